package sandbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"syscall"
)

// The runner and the jail's init talk over one unix stream socket, the
// init's end of which is close-on-exec: the parent reads until EOF, which
// comes when the program has been executed or the init has died.
//
// Every message is a frame: one type byte, a little-endian uint32 length
// and the payload. The parent sends one frameConfig; the init answers
// with any number of frameLog, then either frameError (the setup failed,
// the program never runs), or frameListener (carrying the seccomp
// listener fd) followed by EOF, or EOF alone. frameExecError comes after
// frameListener when execve itself failed.
const (
	frameHeader    = 5
	frameConfig    = 'C'
	frameLog       = 'L'
	frameError     = 'E'
	frameListener  = 'F'
	frameExecError = 'X'
)

// initEnv names the environment variable that marks the jail's init; its
// value is the number of the init's socket fd. initArg0 is the init's
// argv[0]; both must be present for Init to take over.
const (
	initEnv  = "_KAFEL_SANDBOX_INIT"
	initArg0 = "kafel-jail-init"
)

func writeFrame(w io.Writer, typ byte, payload []byte) error {
	buf := make([]byte, frameHeader+len(payload))
	buf[0] = typ
	binary.LittleEndian.PutUint32(buf[1:], uint32(len(payload)))
	copy(buf[frameHeader:], payload)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(h[1:])
	if n > 64<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return 0, nil, err
	}
	return h[0], p, nil
}

// wireError is a SetupError on the wire.
type wireError struct {
	Op, Path string
	Errno    int    // non-zero: the error is this errno
	Msg      string // otherwise this text
}

func toWire(op, path string, err error) []byte {
	w := wireError{Op: op, Path: path}
	if en, ok := err.(syscall.Errno); ok {
		w.Errno = int(en)
	} else if en, ok := unwrapErrno(err); ok {
		w.Errno = int(en)
		w.Msg = err.Error()
	} else {
		w.Msg = err.Error()
	}
	b, _ := json.Marshal(w)
	return b
}

func unwrapErrno(err error) (syscall.Errno, bool) {
	for err != nil {
		if en, ok := err.(syscall.Errno); ok {
			return en, true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return 0, false
		}
		err = u.Unwrap()
	}
	return 0, false
}

func fromWire(p []byte) *SetupError {
	var w wireError
	if err := json.Unmarshal(p, &w); err != nil {
		return &SetupError{Op: "jail init", Err: fmt.Errorf("unreadable error report: %q", p)}
	}
	e := &SetupError{Op: w.Op, Path: w.Path}
	switch {
	case w.Errno != 0 && w.Msg == "":
		e.Err = syscall.Errno(w.Errno)
	case w.Errno != 0:
		e.Err = &errnoText{syscall.Errno(w.Errno), w.Msg}
	default:
		e.Err = fmt.Errorf("%s", w.Msg)
	}
	return e
}

// errnoText is an errno with the message it came with.
type errnoText struct {
	errno syscall.Errno
	msg   string
}

func (e *errnoText) Error() string { return e.msg }
func (e *errnoText) Unwrap() error { return e.errno }
