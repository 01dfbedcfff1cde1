package sandbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJailToHost(t *testing.T) {
	c := &Config{Mounts: []Mount{
		{Src: "/usr", Dst: "/usr", Bind: true},
		{Src: "usr/lib64", Dst: "/lib64", Symlink: true},
		{Src: "/srv/data", Dst: "/data", Bind: true},
		{Dst: "/tmp", FSType: "tmpfs"},
		{Src: "/usr/lib", Dst: "/lib", Symlink: true},
	}}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"/usr/bin/python3", "/usr/bin/python3", true},
		{"/lib64/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2", true},
		{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", true},
		{"/data/x", "/srv/data/x", true},
		{"/database", "", false},
		{"/tmp/x", "", false},
		{"/etc/passwd", "", false},
	} {
		got, ok := jailToHost(c, tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("jailToHost(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	c.Chroot = "/srv/root"
	if got, ok := jailToHost(c, "/etc/passwd"); got != "/srv/root/etc/passwd" || !ok {
		t.Errorf("with a chroot: %q, %v", got, ok)
	}
}

func TestInterpreter(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s")
	os.WriteFile(script, []byte("#!/usr/bin/env  python3\nprint(1)\n"), 0o755)
	if got := interpreter(script); got != "/usr/bin/env" {
		t.Errorf("script: %q", got)
	}
	os.WriteFile(script, []byte("echo no interpreter\n"), 0o755)
	if got := interpreter(script); got != "" {
		t.Errorf("plain file: %q", got)
	}
	// A dynamic executable of the host: its loader must exist on the host.
	got := interpreter("/bin/sh")
	if got == "" {
		t.Skip("/bin/sh is not a dynamic ELF executable here")
	}
	if _, err := os.Stat(got); err != nil || !strings.Contains(got, "ld") {
		t.Errorf("/bin/sh's interpreter %q: %v", got, err)
	}
}

// TestExecInterpreterMissing: a program that is in the jail but whose
// interpreter is not fails with ENOENT, and the error says which is
// missing.
func TestExecInterpreterMissing(t *testing.T) {
	requireRoot(t)
	dir := worldDir(t)
	os.WriteFile(filepath.Join(dir, "s.sh"), []byte("#!/no/such/shell\necho hi\n"), 0o755)
	c := testConfig("/d/s.sh")
	c.Mounts = append(c.Mounts, Mount{Src: dir, Dst: "/d", Bind: true})
	_, _, err := runJailErr(c, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "/d/s.sh is in the jail, but its interpreter /no/such/shell is not") {
		t.Errorf("err %v, want the missing interpreter named", err)
	}
}

// FuzzElfInterp: any file's head and body give an interpreter or "", never
// a panic.
func FuzzElfInterp(f *testing.F) {
	if b, err := os.ReadFile("/bin/true"); err == nil && len(b) > 4096 {
		f.Add(b[:4096])
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		head := data[:min(len(data), 256)]
		elfInterp(bytes.NewReader(data), head)
	})
}

// TestExecNotExecutable: a program the jail may not execute fails with
// EACCES, and the error says why, from the mounts and the host file.
func TestExecNotExecutable(t *testing.T) {
	requireRoot(t)
	dir := worldDir(t)
	os.WriteFile(filepath.Join(dir, "plain"), []byte("#!/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "owners"), []byte("#!/bin/sh\n"), 0o750)
	os.WriteFile(filepath.Join(dir, "ok"), []byte("#!/bin/sh\n"), 0o755)
	for _, tt := range []struct {
		prog   string
		noexec bool
		want   string
	}{
		{"/d/plain", false, "/d/plain is not marked executable"},
		{"/d/owners", false, "the jail is uid 65534 on the host, and /d/owners lets only its owner or group execute it"},
		{"/d/ok", true, "/d/ok is on a noexec mount (/d)"},
	} {
		c := testConfig(tt.prog)
		c.Mounts = append(c.Mounts, Mount{Src: dir, Dst: "/d", Bind: true, Mandatory: true, NoExec: tt.noexec})
		_, _, err := runJailErr(c, RunOptions{})
		if err == nil || !strings.Contains(err.Error(), "permission denied ("+tt.want+")") {
			t.Errorf("%s (noexec %v): %v, want %q", tt.prog, tt.noexec, err, tt.want)
		}
	}
}
