// Package startstack gives the main goroutine, in one step and before the
// other packages are initialized, the stack that kafel's start-up needs,
// and maps in one step the heap pages the start-up is about to touch
// (see heapAhead).
//
// A goroutine starts with a small stack that doubles each time a call
// does not fit, copying the stack and walking all its frames. At kafel's
// start-up the main goroutine went from 2 to 64 KiB in five copies, four
// of them deep in the recursion of the regexp compiler (protobuf's JSON
// package compiles `{1,32}` at init); each larger stack is fresh memory to
// fault in. Growing it once here, while the stack holds a few frames,
// costs one copy of those; the final size is the same 64 KiB.
//
// Importing the package is enough. It imports only syscall and unsafe,
// so Go's initialization order (packages whose dependencies are
// initialized, in import path order) runs it among the first, before any
// package that compiles a regexp; TestStartStackFirst in cmd/kafel checks
// that.
package startstack
