package sandbox

// Init must be the first call in main of every binary that calls Run:
// when the process is a jail's init (Run re-executes its own binary), Init
// sets the jail up and executes the program, and never returns. Otherwise
// it returns at once.
func Init() {}
