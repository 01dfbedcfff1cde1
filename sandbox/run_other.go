//go:build !linux

package sandbox

import (
	"context"
	"fmt"
	"runtime"
)

// Run runs cfg's program in a jail and reports how it ended. Jails need
// Linux namespaces, cgroups and seccomp; on this OS Run always fails with
// an error wrapping ErrNotSupported.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	return nil, fmt.Errorf("sandbox: running a jail needs Linux namespaces, cgroups and seccomp, which %s lacks: %w", runtime.GOOS, ErrNotSupported)
}
