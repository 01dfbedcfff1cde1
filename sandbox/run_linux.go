package sandbox

import (
	"context"
	"errors"
)

// Run runs cfg's program in a jail and reports how it ended.
func Run(ctx context.Context, cfg *Config, opts RunOptions) (*Result, error) {
	return nil, errors.New("sandbox: Run is being written (issue 5)")
}
