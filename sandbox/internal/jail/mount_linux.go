package jail

import (
	"errors"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Building the jail's root (runs in the init, in its mount namespace).
//
// Every bind source is cloned first (open_tree with OPEN_TREE_CLONE and
// AT_RECURSIVE gives a detached copy of the tree, submounts included),
// and its flags are set on the copy with mount_setattr, recursively, so a
// read-only bind is read-only all the way down. Only then is the new root
// (a tmpfs, or the chroot directory) mounted on a staging directory, which
// may hide host paths without harm because nothing is looked up on the
// host any more. Mount points are created and opened inside the new root
// with openat2(RESOLVE_IN_ROOT): a symlink in the jail (e.g. /lib64 ->
// /usr/lib64) resolves inside it, never to the host. The detached copies
// are attached with move_mount; other filesystems are mounted with
// mount(2) on /proc/self/fd/N of the opened mount point. Finally the
// staging directory becomes / with pivot_root (or MS_MOVE and chroot) and
// the tmpfs root is made read-only unless Config.RW.

// stagingDirs are tried in order as the place to build the root on.
var stagingDirs = []string{"/tmp", "/mnt", "/run", "/var/tmp", "/dev"}

// preparedMount is a Mount with its source resolved.
type preparedMount struct {
	Mount
	tree  int // detached clone of a bind source, -1 otherwise
	isDir bool
}

func (in *jailInit) buildRoot(c *Spec) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return setupErr("make / private", "/", err)
	}
	chroot, chrootRW := c.Chroot, c.RW
	mounts := make([]preparedMount, 0, len(c.Mounts)+1)
	for _, m := range c.Mounts {
		if m.Dst == "/" && m.Bind && !m.Symlink && m.SrcContent == nil {
			chroot, chrootRW = m.Src, m.RW
			continue
		}
		mounts = append(mounts, preparedMount{Mount: m, tree: -1})
	}
	if c.MountProc && !hasMountAt(mounts, "/proc") {
		mounts = append(mounts, preparedMount{Mount: Mount{Dst: "/proc", FSType: "proc", Mandatory: true, NoSuid: true, NoDev: true, NoExec: true}, tree: -1})
	}
	defer func() {
		for _, m := range mounts {
			if m.tree >= 0 {
				unix.Close(m.tree)
			}
		}
	}()

	// Clone every source before anything is covered.
	rootTree := -1
	if chroot != "" {
		t, err := cloneTree(chroot, !chrootRW, false, false, false)
		if err != nil {
			return setupErr("bind the chroot", chroot, err)
		}
		rootTree = t
		defer unix.Close(rootTree)
	}
	kept := mounts[:0]
	for _, m := range mounts {
		switch {
		case m.Symlink, m.SrcContent != nil:
			m.isDir = false
		case m.Bind || (m.FSType == "" && m.Src != ""):
			var st unix.Stat_t
			if err := unix.Stat(m.Src, &st); err != nil {
				if !m.Mandatory {
					in.logf("skipping the optional mount of %s on %s: %v", m.Src, m.Dst, err)
					continue
				}
				return setupErr("bind", m.Src, err)
			}
			m.isDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
			t, err := cloneTree(m.Src, !m.RW, m.NoSuid, m.NoDev, m.NoExec)
			if err != nil {
				if !m.Mandatory {
					in.logf("skipping the optional mount of %s on %s: %v", m.Src, m.Dst, err)
					continue
				}
				return setupErr("bind", m.Src, err)
			}
			m.tree = t
		default:
			m.isDir = true
		}
		if m.IsDir != nil {
			m.isDir = *m.IsDir
		}
		kept = append(kept, m)
	}
	mounts = kept

	staging := ""
	for _, d := range stagingDirs {
		if st, err := os.Lstat(d); err == nil && st.IsDir() {
			staging = d
			break
		}
	}
	if staging == "" {
		return setupErr("find a directory to build the root on", strings.Join(stagingDirs, ", "), unix.ENOENT)
	}
	if rootTree >= 0 {
		if err := unix.MoveMount(rootTree, "", unix.AT_FDCWD, staging, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
			return setupErr("attach the chroot", chroot, err)
		}
	} else if err := unix.Mount("tmpfs", staging, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755"); err != nil {
		return setupErr("mount the root tmpfs on", staging, err)
	}
	root, err := unix.Open(staging, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return setupErr("open the new root", staging, err)
	}
	defer unix.Close(root)

	for _, m := range mounts {
		if err := in.attach(root, m); err != nil {
			if !m.Mandatory {
				in.logf("skipping the optional mount on %s: %v", m.Dst, err)
				continue
			}
			return err
		}
	}

	if err := unix.Chdir(staging); err != nil {
		return setupErr("chdir", staging, err)
	}
	if c.NoPivotRoot {
		if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
			return setupErr("move the new root onto /", staging, err)
		}
		if err := unix.Chroot("."); err != nil {
			return setupErr("chroot", staging, err)
		}
	} else {
		// pivot_root(".", ".") stacks the old root under the new one;
		// detaching "." then removes the old root.
		if err := unix.PivotRoot(".", "."); err != nil {
			return setupErr("pivot_root", staging, err)
		}
		if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
			return setupErr("detach the old root", "/", err)
		}
	}
	if err := unix.Chdir("/"); err != nil {
		return setupErr("chdir", "/", err)
	}
	if rootTree < 0 && !c.RW {
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(unix.AT_FDCWD, "/", 0, &attr); err != nil {
			return setupErr("make the root read-only", "/", err)
		}
	}
	return nil
}

func hasMountAt(ms []preparedMount, dst string) bool {
	for _, m := range ms {
		if path.Clean(m.Dst) == dst {
			return true
		}
	}
	return false
}

// cloneTree returns a detached recursive copy of the mount tree at src
// with the given flags set on all of it.
func cloneTree(src string, ro, nosuid, nodev, noexec bool) (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, src, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) {
			return -1, errors.New("open_tree: the kernel lacks the new mount API (Linux 5.2+ needed)")
		}
		return -1, err
	}
	var attr unix.MountAttr
	if ro {
		attr.Attr_set |= unix.MOUNT_ATTR_RDONLY
	}
	if nosuid {
		attr.Attr_set |= unix.MOUNT_ATTR_NOSUID
	}
	if nodev {
		attr.Attr_set |= unix.MOUNT_ATTR_NODEV
	}
	if noexec {
		attr.Attr_set |= unix.MOUNT_ATTR_NOEXEC
	}
	if attr.Attr_set != 0 {
		if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
			unix.Close(fd)
			return -1, err
		}
	}
	return fd, nil
}

// openIn opens p inside the tree at root; symlinks resolve inside it.
func openIn(root int, p string, flags uint64, mode uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Mode: mode, Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err := unix.Openat2(root, p, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		return fd, err
	}
}

// mkdirIn creates directory p and its parents inside root.
func mkdirIn(root int, p string) error {
	p = path.Clean("/" + p)
	if p == "/" {
		return nil
	}
	parent := "/"
	for _, part := range strings.Split(p[1:], "/") {
		pfd, err := openIn(root, parent, unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return err
		}
		err = unix.Mkdirat(pfd, part, 0o755)
		unix.Close(pfd)
		if err != nil && err != unix.EEXIST {
			return err
		}
		parent = path.Join(parent, part)
	}
	return nil
}

// attach puts one mount into the new root.
func (in *jailInit) attach(root int, m preparedMount) error {
	dst := path.Clean("/" + m.Dst)
	if m.Symlink {
		if err := mkdirIn(root, path.Dir(dst)); err != nil {
			return setupErr("mkdir", path.Dir(dst), err)
		}
		pfd, err := openIn(root, path.Dir(dst), unix.O_PATH|unix.O_DIRECTORY, 0)
		if err != nil {
			return setupErr("open", path.Dir(dst), err)
		}
		defer unix.Close(pfd)
		if err := unix.Symlinkat(m.Src, pfd, path.Base(dst)); err != nil {
			return setupErr("symlink "+m.Src+" at", dst, err)
		}
		return nil
	}
	if m.isDir {
		if err := mkdirIn(root, dst); err != nil {
			return setupErr("mkdir", dst, err)
		}
	} else {
		if err := mkdirIn(root, path.Dir(dst)); err != nil {
			return setupErr("mkdir", path.Dir(dst), err)
		}
		fd, err := openIn(root, dst, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, 0o644)
		if err != nil {
			return setupErr("create", dst, err)
		}
		if m.SrcContent != nil {
			if err := writeAll(fd, m.SrcContent); err != nil {
				unix.Close(fd)
				return setupErr("write", dst, err)
			}
		}
		unix.Close(fd)
		if m.SrcContent != nil && !m.RW {
			// Read-only once the root is; nothing to mount.
			return nil
		}
	}
	target, err := openIn(root, dst, unix.O_PATH, 0)
	if err != nil {
		return setupErr("open the mount point", dst, err)
	}
	defer unix.Close(target)
	switch {
	case m.SrcContent != nil:
		// A writable content file: bind it onto itself so it stays
		// writable when the root becomes read-only.
		t, err := unix.OpenTree(target, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
		if err != nil {
			return setupErr("bind", dst, err)
		}
		defer unix.Close(t)
		if err := unix.MoveMount(t, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return setupErr("bind", dst, err)
		}
	case m.tree >= 0:
		if err := unix.MoveMount(m.tree, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return setupErr("mount "+m.Src+" on", dst, err)
		}
	default:
		var flags uintptr
		if !m.RW {
			flags |= unix.MS_RDONLY
		}
		if m.NoSuid {
			flags |= unix.MS_NOSUID
		}
		if m.NoDev {
			flags |= unix.MS_NODEV
		}
		if m.NoExec {
			flags |= unix.MS_NOEXEC
		}
		src := m.Src
		if src == "" {
			src = m.FSType
		}
		if err := unix.Mount(src, procFdPath(target), m.FSType, flags, m.Options); err != nil {
			what := "mount " + m.FSType
			if m.Options != "" {
				what += " (" + m.Options + ")"
			}
			return setupErr(what+" on", dst, err)
		}
	}
	return nil
}

func procFdPath(fd int) string { return "/proc/self/fd/" + itoa(fd) }

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
