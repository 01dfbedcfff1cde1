package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"

	"github.com/gokafel/gokafel/internal/cli"
	"github.com/gokafel/gokafel/sandbox"
)

// stopContext is the context of the loops: it ends when kafel run gets
// SIGINT, SIGTERM or SIGHUP.
func stopContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

// onceConfig returns a copy of cfg that runs one jail: sandbox.Run runs
// one program, the loops of modes r and l are here.
func onceConfig(cfg *sandbox.Config) *sandbox.Config {
	c := *cfg
	c.Mode = sandbox.ModeOnce
	return &c
}

// rerun runs the program again each time it ends, as nsjail's mode r,
// until kafel run is interrupted or a jail cannot be set up.
func (r *jailRunner) rerun(ctx context.Context, opts sandbox.RunOptions) error {
	r.cfg = onceConfig(r.cfg)
	defer r.startLauncher(1)()
	for {
		code, err := r.once(ctx, opts)
		if err != nil {
			return &cli.ExitError{Code: code, Err: err}
		}
		if ctx.Err() != nil {
			return cli.Exit(code)
		}
		r.logger.Info("program ended; running it again", "exit_code", code)
	}
}

// listen runs one jail per TCP connection, as nsjail's mode l: the
// connection is the program's stdin, stdout and stderr. MaxConns and
// MaxConnsPerIP bound the jails at once (0: no bound); a connection over
// a bound is closed at once. It returns when ctx ends (kafel run is
// interrupted), after the jails are gone.
func (r *jailRunner) listen(ctx context.Context) error {
	r.cfg = onceConfig(r.cfg)
	defer r.startLauncher(2)()
	addr := net.JoinHostPort(r.cfg.BindHost, strconv.Itoa(r.cfg.Port))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return runnerError(fmt.Errorf("listen: %w", err))
	}
	r.logger.Info("listening", "addr", ln.Addr().String())
	if r.onListen != nil {
		r.onListen(ln.Addr())
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var (
		mu    sync.Mutex
		total int
		perIP = map[string]int{}
		wg    sync.WaitGroup
	)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			wg.Wait()
			return runnerError(fmt.Errorf("accept: %w", err))
		}
		ip, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
		mu.Lock()
		over := r.cfg.MaxConns > 0 && total >= r.cfg.MaxConns ||
			r.cfg.MaxConnsPerIP > 0 && perIP[ip] >= r.cfg.MaxConnsPerIP
		if !over {
			total++
			perIP[ip]++
		}
		mu.Unlock()
		if over {
			r.logger.Warn("too many connections; closing", "remote", conn.RemoteAddr().String())
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				mu.Lock()
				total--
				if perIP[ip]--; perIP[ip] == 0 {
					delete(perIP, ip)
				}
				mu.Unlock()
			}()
			r.serve(ctx, conn)
		}()
	}
	wg.Wait()
	return nil
}

// serve runs one jail on conn and closes it.
func (r *jailRunner) serve(ctx context.Context, conn net.Conn) {
	defer conn.Close()
	remote := conn.RemoteAddr().String()
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return
	}
	// The jail gets the socket itself as its stdio, as with nsjail.
	f, err := tc.File()
	if err != nil {
		r.logger.Error("connection", "remote", remote, "err", err)
		return
	}
	defer f.Close()
	r.logger.Info("connection", "remote", remote)
	res, err := r.run(ctx, sandbox.RunOptions{Stdin: f, Stdout: f, Stderr: f, Logger: r.logger})
	if err != nil {
		r.logger.Error("jail", "remote", remote, "err", err)
		return
	}
	r.logger.Info("jail ended", "remote", remote, "exit_code", res.ExitCode, "reason", res.Reason)
	for _, c := range res.SeccompLogged {
		r.logger.Warn("seccomp log: the policy would kill", "remote", remote, "call", c.String(), "calls", c.Count)
	}
	for _, line := range allowLines(res.SeccompLogged) {
		r.logger.Warn("seccomp log: "+line, "remote", remote)
	}
}
