package jail

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"syscall"
)

// The runner and the jail's re-executed init talk over one unix stream
// socket, the init's end of which is close-on-exec: the runner reads until
// EOF, which comes when the program has been executed or the init has
// died.
//
// Every message is a frame: one type byte, a little-endian uint32 length
// and the payload. An init started ahead of its run (sandbox.Launcher)
// first gets a FrameFDs, which carries its stdio and passed fds as
// SCM_RIGHTS (EncodeFDs). Then the runner sends a FrameProg (EncodeProg),
// then the bytes the program waits for, and after the last one a
// FrameFilter (EncodeFilter) when the program installs a filter. The init (or
// the child of the assembly executor, which shares the runner's memory
// and has no other report to make) answers with a FrameListener carrying
// the seccomp listener fd, when the filter has one; the init also sends
// a FrameSkipped for each optional mount that failed, and a FrameProgFail
// if the program failed, or a FrameError if it could not run it.
const (
	FrameHeader   = 5
	FrameFDs      = 'D'
	FrameProg     = 'P'
	FrameFilter   = 'B'
	FrameError    = 'E'
	FrameListener = 'F'
	FrameProgFail = 'X'
	FrameSkipped  = 'S'
)

// EnvVar names the environment variable that marks the jail's init; its
// value is the number of the init's socket fd. Arg0 is the init's
// argv[0]; both must be present for Init to take over.
const (
	EnvVar = "_KAFEL_SANDBOX_INIT"
	Arg0   = "kafel-jail-init"
)

// FrameFDsMax is the most fds one FrameFDs carries.
const FrameFDsMax = 8

// EncodeFDs is the payload of a FrameFDs: the fd number the init's socket
// moves to, then the number each fd sent with the frame gets, in order.
func EncodeFDs(sock int, targets []int) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(sock))
	for _, t := range targets {
		b = binary.LittleEndian.AppendUint32(b, uint32(t))
	}
	return b
}

// DecodeFDs reverses EncodeFDs.
func DecodeFDs(p []byte) (sock int, targets []int, err error) {
	if len(p) < 4 || len(p)%4 != 0 || len(p)/4-1 > FrameFDsMax {
		return 0, nil, fmt.Errorf("bad fds frame of %d bytes", len(p))
	}
	sock = int(binary.LittleEndian.Uint32(p))
	for p = p[4:]; len(p) > 0; p = p[4:] {
		targets = append(targets, int(binary.LittleEndian.Uint32(p)))
	}
	if sock < 3 || sock > 1<<20 {
		return 0, nil, fmt.Errorf("bad socket fd %d", sock)
	}
	for _, t := range targets {
		if t < 0 || t > 1<<20 || t == sock {
			return 0, nil, fmt.Errorf("bad target fd %d", t)
		}
	}
	return sock, targets, nil
}

func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	buf := make([]byte, FrameHeader+len(payload))
	buf[0] = typ
	binary.LittleEndian.PutUint32(buf[1:], uint32(len(payload)))
	copy(buf[FrameHeader:], payload)
	_, err := w.Write(buf)
	return err
}

func ReadFrame(r io.Reader) (byte, []byte, error) {
	var h [FrameHeader]byte
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

// WireError is a setup error on the wire (sandbox.SetupError).
type WireError struct {
	Op, Path string
	Errno    int    // non-zero: the error is this errno
	Msg      string // otherwise this text
}

func toWire(op, path string, err error) []byte {
	w := WireError{Op: op, Path: path}
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
