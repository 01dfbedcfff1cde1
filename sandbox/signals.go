package sandbox

import (
	"os"
	"os/signal"
	"syscall"
)

// RunnerSignals are the signals a run with RunOptions.HandleSignals
// catches: those that would end the runner, which kill and clean up the
// jail, and those it passes on to the program.
var RunnerSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGQUIT}

// Signals receives RunnerSignals for runs, from CatchSignals on.
//
// signal.Notify hands each signal it starts catching to a thread of the
// runtime and waits for its answer: early in a process that costs more
// than half a millisecond, and a run must not make anything that needs
// cleaning up (its cgroups) before the signals are caught. A command
// that runs a jail calls CatchSignals first thing and passes the result
// in RunOptions.Signals: the signals are caught in the background while
// it reads its flags and configuration, and the run does not wait.
type Signals struct {
	ch    chan os.Signal
	ready chan struct{}
}

// CatchSignals starts catching RunnerSignals and returns at once. A
// signal that comes before a run that takes the Signals is held: it ends
// that run as soon as it starts (ReasonInterrupted, nothing left behind).
// Until Stop, such signals no longer end the process by themselves.
func CatchSignals() *Signals {
	s := &Signals{ch: make(chan os.Signal, 4), ready: make(chan struct{})}
	go func() {
		signal.Notify(s.ch, RunnerSignals...)
		close(s.ready)
	}()
	return s
}

// caught waits until the signals are caught.
func (s *Signals) caught() { <-s.ready }

// Stop gives the signals back: their default actions apply again.
func (s *Signals) Stop() {
	s.caught()
	signal.Stop(s.ch)
}
