package sandbox

import "github.com/gokafel/gokafel/sandbox/internal/jail"

// Init must be the first call in main of every binary that calls Run:
// when the process is a jail's init (Run re-executes its own binary where
// it has no assembly executor for the jail's program, or when
// RunOptions.Executable is set), Init
// sets the jail up and executes the program, and never returns. Otherwise
// it returns at once.
//
// In practice the jail's init takes over even earlier, while the packages
// are initialized (see package sandbox/internal/jail), so that it does not
// pay for initializing the rest of the binary; Init is the documented
// entry and covers a binary whose initialization order differs.
func Init() { jail.Main() }
