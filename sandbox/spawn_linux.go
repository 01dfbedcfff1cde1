package sandbox

import (
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// spawnAttr is how the runner starts the jail's init: path executed with
// argv and env in a child cloned with cloneflags, its fd i being files[i]
// (-1: none), its parent-death signal SIGKILL.
type spawnAttr struct {
	path       string
	argv, env  []string
	files      []uintptr
	cloneflags uintptr
	setsid     bool
	// ambientCaps keeps every capability across the execve: the child of
	// a new user namespace has them all, but its uid is not yet mapped to
	// 0 inside, so execve would drop them.
	ambientCaps bool
}

// spawnError is a step of starting the init that failed.
type spawnError struct {
	op  string
	err error
}

func (e *spawnError) Error() string { return e.op + ": " + e.err.Error() }
func (e *spawnError) Unwrap() error { return e.err }

// fastSpawn starts the init without copying the runner's memory
// (vforkExec), on the architectures that have it; elsewhere it is nil and
// forkExec does the job.
var fastSpawn func(*spawnAttr) (int, error)

// spawn starts the init and returns its pid. The uid and gid maps of a
// new user namespace are the caller's to write: the init waits for its
// configuration before it needs them.
func spawn(s *spawnAttr, slow bool) (int, error) {
	if fastSpawn != nil && !slow {
		return fastSpawn(s)
	}
	return forkExec(s)
}

// forkExec is spawn by the standard library, which must copy the parent
// (fork, not vfork) when the clone makes a user namespace.
func forkExec(s *spawnAttr) (int, error) {
	sys := &syscall.SysProcAttr{Cloneflags: s.cloneflags, Setsid: s.setsid, Pdeathsig: syscall.SIGKILL}
	if s.ambientCaps {
		sys.AmbientCaps = allCaps()
	}
	pid, err := syscall.ForkExec(s.path, s.argv, &syscall.ProcAttr{Env: s.env, Files: s.files, Sys: sys})
	if err != nil {
		return 0, &spawnError{op: "fork and execute " + s.path, err: err}
	}
	return pid, nil
}

// initIO is the init's stdio: the files that become its fds 0 to 2 and,
// for a reader or writer that is not a file, a pipe and a goroutine that
// copies.
type initIO struct {
	child   [3]*os.File
	owned   []*os.File // the init's ends of pipes: closed once it has started
	parent  []*os.File // the runner's ends of the pipes
	copying sync.WaitGroup
	null    *os.File
}

// newInitIO sets up stdio for the init: nil means /dev/null.
func newInitIO(stdin io.Reader, stdout, stderr io.Writer) (*initIO, error) {
	s := &initIO{}
	devNull := func() (*os.File, error) {
		if s.null == nil {
			f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return nil, err
			}
			s.null = f
		}
		return s.null, nil
	}
	var err error
	switch in := stdin.(type) {
	case nil:
		s.child[0], err = devNull()
	case *os.File:
		s.child[0] = in
	default:
		var r, w *os.File
		if r, w, err = os.Pipe(); err == nil {
			s.child[0], s.owned, s.parent = r, append(s.owned, r), append(s.parent, w)
			// Not waited for: a reader that never ends (a terminal) must
			// not hold the run; the write end closes when the run ends.
			go func() {
				io.Copy(w, in)
				w.Close()
			}()
		}
	}
	for i, out := range []io.Writer{stdout, stderr} {
		if err != nil {
			break
		}
		switch o := out.(type) {
		case nil:
			s.child[1+i], err = devNull()
		case *os.File:
			s.child[1+i] = o
		default:
			if i == 1 && sameWriter(stdout, stderr) {
				// One pipe, as exec.Cmd does, so that the order of the
				// program's writes to both is kept.
				s.child[2] = s.child[1]
				break
			}
			var r, w *os.File
			if r, w, err = os.Pipe(); err == nil {
				s.child[1+i], s.owned, s.parent = w, append(s.owned, w), append(s.parent, r)
				s.copying.Add(1)
				go func() {
					defer s.copying.Done()
					io.Copy(o, r)
				}()
			}
		}
	}
	if err != nil {
		s.close()
		return nil, &SetupError{Op: "set up the jail's stdio", Err: err}
	}
	return s, nil
}

func sameWriter(a, b io.Writer) (same bool) {
	defer func() { recover() }() // an uncomparable writer is not the same
	return a == b
}

// started closes the init's ends of the pipes and /dev/null.
func (s *initIO) started() {
	for _, f := range s.owned {
		f.Close()
	}
	s.owned = nil
	if s.null != nil {
		s.null.Close()
		s.null = nil
	}
}

// wait waits, once the init is gone, for the output copies to end: a
// process the jail left behind may still hold a pipe, so after delay the
// runner's ends are closed and what is left is lost.
func (s *initIO) wait(delay time.Duration) error {
	done := make(chan struct{})
	go func() {
		s.copying.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-time.After(delay):
		err = errors.New("the jail's output pipes stayed open after its init ended; output after that was dropped")
	}
	s.close()
	<-done
	return err
}

// close closes every end and returns once no copy touches the runner's
// readers and writers any more.
func (s *initIO) close() {
	s.started()
	for _, f := range s.parent {
		f.Close()
	}
	s.copying.Wait()
}

// fds returns the fds the init gets as 0 to 2.
func (s *initIO) fds() [3]int {
	var fds [3]int
	for i, f := range s.child {
		fds[i] = int(f.Fd())
	}
	return fds
}

// childFiles returns the init's fd table as spawn wants it: want[i] goes
// to fd i. Each is duplicated to a number no target uses, close-on-exec,
// so that setting up one cannot overwrite the source of another; the
// returned function closes the duplicates.
func childFiles(want []int) ([]uintptr, func(), error) {
	files := make([]uintptr, len(want))
	var dups []int
	closeDups := func() {
		for _, fd := range dups {
			unix.Close(fd)
		}
	}
	for i, fd := range want {
		if fd < 0 {
			files[i] = ^uintptr(0)
			continue
		}
		d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, len(want))
		if err != nil {
			closeDups()
			return nil, nil, &SetupError{Op: "duplicate fd " + strconv.Itoa(fd) + " for the jail", Err: err}
		}
		dups = append(dups, d)
		files[i] = uintptr(d)
	}
	return files, closeDups, nil
}
