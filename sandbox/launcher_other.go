//go:build !linux

package sandbox

import (
	"context"
	"fmt"
	"runtime"
)

// Launcher runs jails with inits started ahead of their runs. Jails need
// Linux; on this OS NewLauncher fails with an error wrapping
// ErrNotSupported.
type Launcher struct{}

// NewLauncher fails on this OS: see Launcher.
func NewLauncher(shape *Config, n int, executable string) (*Launcher, error) {
	return nil, fmt.Errorf("sandbox: running a jail needs Linux namespaces, cgroups and seccomp, which %s lacks: %w", runtime.GOOS, ErrNotSupported)
}

// Run fails on this OS: see Launcher.
func (l *Launcher) Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	return Run(ctx, cfg, opts)
}

// Close does nothing on this OS.
func (l *Launcher) Close() error { return nil }
