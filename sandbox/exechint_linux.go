package sandbox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// explainExec adds to an execve that failed with ENOENT although the
// program is in the jail the likely cause: its interpreter (the ELF
// loader, or the #! line's program) is not. The kernel says ENOENT for
// both; a configuration that mounts /usr but not /lib64 on a host with
// merged /usr meets it first. The runner looks at the host files the
// mounts bind.
func explainExec(err error, cfg *Config) error {
	var se *SetupError
	if !errors.As(err, &se) || se.Op != "execve" && se.Op != "exec" || !filepath.IsAbs(se.Path) {
		return err
	}
	if errors.Is(err, unix.EACCES) {
		if why := whyNotExecutable(cfg, se.Path); why != "" {
			se.Err = fmt.Errorf("%w (%s)", se.Err, why)
		}
		return err
	}
	if se.Op != "execve" || !errors.Is(err, unix.ENOENT) {
		return err
	}
	host, ok := jailToHost(cfg, se.Path)
	if !ok {
		return err
	}
	interp := interpreter(host)
	if interp == "" {
		return err // not there either, or no interpreter: ENOENT says it
	}
	if ih, ok := jailToHost(cfg, interp); ok {
		if _, serr := os.Stat(ih); serr == nil {
			return err
		}
	}
	se.Err = fmt.Errorf("%w (%s is in the jail, but its interpreter %s is not)", se.Err, se.Path, interp)
	return err
}

// whyNotExecutable says why the jail of cfg may not execute p, as far as
// the mounts and the host file they bind show, or "".
func whyNotExecutable(cfg *Config, p string) string {
	if m := coveringMount(cfg, p); m != nil && m.NoExec {
		return fmt.Sprintf("%s is on a noexec mount (%s)", p, m.Dst)
	}
	host, ok := jailToHost(cfg, p)
	if !ok {
		return ""
	}
	var st unix.Stat_t
	if unix.Stat(host, &st) != nil {
		return ""
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return fmt.Sprintf("%s is not a regular file", p)
	case st.Mode&0o111 == 0:
		return fmt.Sprintf("%s is not marked executable", p)
	case cfg.Namespaces.User && len(cfg.UIDMap) > 0 && st.Mode&0o001 == 0 && st.Uid != cfg.UIDMap[0].Outside:
		return fmt.Sprintf("the jail is uid %d on the host, and %s lets only its owner or group execute it", cfg.UIDMap[0].Outside, p)
	}
	return ""
}

// coveringMount returns the mount of cfg with the longest destination
// that is p or above it, or nil.
func coveringMount(cfg *Config, p string) *Mount {
	var best *Mount
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		if within(p, m.Dst) && (best == nil || len(m.Dst) > len(best.Dst)) {
			best = m
		}
	}
	return best
}

// jailToHost returns the host file that p, an absolute path in the jail
// of cfg, is as far as the mounts say: under the bind mount (or the
// chroot) with the longest destination above it, following the symlinks
// that mounts make. ok is false when what holds p is not from the host
// (a tmpfs, the root's own tmpfs).
func jailToHost(cfg *Config, p string) (string, bool) {
	for range 16 {
		best := coveringMount(cfg, p)
		switch {
		case best == nil && cfg.Chroot != "":
			return filepath.Join(cfg.Chroot, p), true
		case best == nil:
			return "", false
		case best.Symlink:
			target := best.Src
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(best.Dst), target)
			}
			p = filepath.Join(target, strings.TrimPrefix(p, best.Dst))
		case best.Bind && best.Src != "":
			return filepath.Join(best.Src, strings.TrimPrefix(p, best.Dst)), true
		default:
			return "", false
		}
	}
	return "", false
}

// within reports whether path p is dir or under it.
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// interpreter returns the program a file asks the kernel to run it with:
// an ELF executable's PT_INTERP, a script's #! line; "" for none or when
// the file cannot be read.
func interpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var head [256]byte
	n, _ := io.ReadFull(f, head[:])
	b := head[:n]
	if rest, ok := bytes.CutPrefix(b, []byte("#!")); ok {
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		fields := strings.Fields(string(line))
		if len(fields) == 0 {
			return ""
		}
		return fields[0]
	}
	return elfInterp(f, b)
}

// elfInterp reads the PT_INTERP of the ELF file f, whose first bytes are
// head.
func elfInterp(f io.ReaderAt, head []byte) string {
	if len(head) < 52 || !bytes.HasPrefix(head, []byte("\x7fELF")) {
		return ""
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if head[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff uint64
	var phentsize, phnum uint16
	switch head[4] {
	case 1: // ELFCLASS32
		phoff = uint64(bo.Uint32(head[28:]))
		phentsize, phnum = bo.Uint16(head[42:]), bo.Uint16(head[44:])
	case 2: // ELFCLASS64
		if len(head) < 64 {
			return ""
		}
		phoff = bo.Uint64(head[32:])
		phentsize, phnum = bo.Uint16(head[54:]), bo.Uint16(head[56:])
	default:
		return ""
	}
	if phentsize < 32 || phnum > 256 {
		return ""
	}
	ph := make([]byte, phentsize)
	for i := range uint64(phnum) {
		if _, err := f.ReadAt(ph, int64(phoff+i*uint64(phentsize))); err != nil {
			return ""
		}
		if bo.Uint32(ph) != 3 { // PT_INTERP
			continue
		}
		var off, size uint64
		if head[4] == 1 {
			off, size = uint64(bo.Uint32(ph[4:])), uint64(bo.Uint32(ph[16:]))
		} else {
			if phentsize < 56 {
				return ""
			}
			off, size = bo.Uint64(ph[8:]), bo.Uint64(ph[32:])
		}
		if size == 0 || size > 4096 {
			return ""
		}
		s := make([]byte, size)
		if _, err := f.ReadAt(s, int64(off)); err != nil {
			return ""
		}
		return string(bytes.TrimRight(s, "\x00"))
	}
	return ""
}
