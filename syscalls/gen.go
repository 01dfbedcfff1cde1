package syscalls

// The tables (z*.go) are generated from Debian's linux-source-6.12
// package; see syscalls/internal/gen.
//go:generate go run ./internal/gen
