package sandbox

import (
	"encoding/json"
	"fmt"
	"syscall"

	"github.com/gokafel/gokafel/sandbox/internal/jail"
)

func fromWire(p []byte) *SetupError {
	var w jail.WireError
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
