package sandbox

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// probe runs script with /bin/sh in testConfig edited by edit and returns
// the result and stdout; stderr goes to the test log.
func probe(t *testing.T, edit func(*Config), script string) (*Result, string) {
	t.Helper()
	c := testConfig("/bin/sh", "-c", script)
	if edit != nil {
		edit(c)
	}
	res, out, errs := runJail(t, c, RunOptions{})
	if errs != "" {
		t.Logf("stderr: %s", errs)
	}
	return res, out
}

func wantOut(t *testing.T, got, want string) {
	t.Helper()
	if strings.TrimSpace(got) != want {
		t.Errorf("output %q, want %q", strings.TrimSpace(got), want)
	}
}

func hostNS(t *testing.T, ns string) string {
	t.Helper()
	l, err := os.Readlink("/proc/self/ns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestNamespaces(t *testing.T) {
	requireRoot(t)
	for _, ns := range []struct {
		name string // /proc/self/ns entry
		off  func(*Namespaces)
	}{
		{"user", func(n *Namespaces) { n.User = false }},
		{"pid", func(n *Namespaces) { n.PID = false }},
		{"mnt", func(n *Namespaces) { n.Mount = false }},
		{"net", func(n *Namespaces) { n.Net = false }},
		{"uts", func(n *Namespaces) { n.UTS = false }},
		{"ipc", func(n *Namespaces) { n.IPC = false }},
		{"cgroup", func(n *Namespaces) { n.Cgroup = false }},
	} {
		t.Run(ns.name, func(t *testing.T) {
			host := hostNS(t, ns.name)
			_, out := probe(t, nil, "readlink /proc/self/ns/"+ns.name)
			if got := strings.TrimSpace(out); got == host || got == "" {
				t.Errorf("on: the jail's %s namespace is %q, the host's %q", ns.name, got, host)
			}
			_, out = probe(t, func(c *Config) {
				ns.off(&c.Namespaces)
				if ns.name == "mnt" {
					c.Mounts = nil
				}
				if ns.name == "uts" {
					c.Hostname = ""
				}
				if ns.name == "user" {
					c.UIDMap, c.GIDMap = nil, nil
				}
				if ns.name == "pid" {
					// A fresh proc needs a pid namespace of the user
					// namespace: show the host's instead.
					c.Mounts = append(withoutProc(c.Mounts), Mount{Src: "/proc", Dst: "/proc", Bind: true, Mandatory: true})
				}
			}, "readlink /proc/self/ns/"+ns.name)
			if got := strings.TrimSpace(out); got != host {
				t.Errorf("off: the jail's %s namespace is %q, want the host's %q", ns.name, got, host)
			}
		})
	}
}

func withoutProc(ms []Mount) []Mount {
	var out []Mount
	for _, m := range ms {
		if m.FSType != "proc" {
			out = append(out, m)
		}
	}
	return out
}

func TestTimeNamespace(t *testing.T) {
	requireRoot(t)
	host := hostNS(t, "time")
	_, out := probe(t, func(c *Config) { c.Namespaces.Time = true }, "readlink /proc/self/ns/time")
	if got := strings.TrimSpace(out); got == host || got == "" {
		t.Errorf("time namespace %q, host's %q", got, host)
	}
}

func TestHostnameAndPID1(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, nil, "hostname; echo $$")
	wantOut(t, out, "jail\n1")
}

func TestUIDMap(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, nil, "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' ' '; id -u; id -g; id -G")
	wantOut(t, out, "1000 65534 1\n 1000 65534 1\n1000\n1000\n1000")
}

func TestNetworkOnlyLoopback(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, nil, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
	wantOut(t, out, "lo")
	// lo is up unless IfaceNoLo.
	_, out = probe(t, nil, "cat /proc/net/if_inet6 2>/dev/null | grep -c lo; cat /proc/net/fib_trie | grep -c 127.0.0.1")
	if !strings.Contains(out, "1") {
		t.Errorf("loopback has no address: %q", out)
	}
	_, out = probe(t, func(c *Config) { c.IfaceNoLo = true }, "cat /proc/net/fib_trie | grep -c 127.0.0.1 || true")
	wantOut(t, out, "0")
}

func TestMounts(t *testing.T) {
	requireRoot(t)
	hostFile := worldDir(t) + "/secret"
	os.WriteFile(hostFile, []byte("host secret"), 0o644)
	noexecDir := worldDir(t)
	os.WriteFile(noexecDir+"/run.sh", []byte("#!/bin/sh\necho ran\n"), 0o755)
	isDir := true
	res, out := probe(t, func(c *Config) {
		c.Mounts = append(c.Mounts,
			Mount{Dst: "/small", FSType: "tmpfs", Options: "size=1m", RW: true, Mandatory: true},
			Mount{Src: noexecDir, Dst: "/noexec", Bind: true, NoExec: true, Mandatory: true},
			Mount{Src: noexecDir, Dst: "/exec", Bind: true, Mandatory: true},
			Mount{Src: "/usr/bin/env", Dst: "/link/env", Symlink: true, Mandatory: true},
			Mount{SrcContent: []byte("content\n"), Dst: "/etc/content", Bind: true, Mandatory: true},
			Mount{Src: "/does/not/exist", Dst: "/optional", Bind: true, Mandatory: false},
			Mount{Dst: "/dir", FSType: "tmpfs", IsDir: &isDir, Mandatory: true},
		)
	}, `
		touch /usr/x 2>/dev/null && echo usr-writable || echo usr-ro
		touch / 2>/dev/null; mkdir /newdir 2>/dev/null && echo root-writable || echo root-ro
		echo tmp > /tmp/f && cat /tmp/f
		dd if=/dev/zero of=/small/big bs=1k count=2048 2>/dev/null && echo small-unlimited || echo small-full
		/noexec/run.sh 2>/dev/null && echo noexec-ran || echo noexec-refused
		/exec/run.sh
		readlink /link/env
		cat /etc/content
		test -e /optional && echo optional-present || echo optional-skipped
		test -d /dir && echo dir
		test -e `+hostFile+` && echo host-visible || echo host-hidden
		grep -c ' /proc proc ' /proc/self/mounts
		echo x > /proc/sys/kernel/hostname 2>/dev/null && echo proc-rw || echo proc-ro
	`)
	if res.ExitCode != 0 {
		t.Errorf("result %+v", res)
	}
	wantOut(t, out, strings.Join([]string{"usr-ro", "root-ro", "tmp", "small-full", "noexec-refused", "ran", "/usr/bin/env", "content", "optional-skipped", "dir", "host-hidden", "1", "proc-ro"}, "\n"))
}

// worldDir returns a temporary directory the jail's outside uid (nobody)
// can reach.
func worldDir(t *testing.T) string {
	d, err := os.MkdirTemp("", "kafel-sandbox-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	os.Chmod(d, 0o755)
	return d
}

func TestMountMandatoryMissing(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/true")
	c.Mounts = append(c.Mounts, Mount{Src: "/does/not/exist", Dst: "/x", Bind: true, Mandatory: true})
	_, err := Run(t.Context(), c, RunOptions{Stdout: os.Stdout, Stderr: os.Stderr})
	var se *SetupError
	if err == nil || !errorsAs(err, &se) || !strings.Contains(err.Error(), "/does/not/exist") {
		t.Fatalf("err %v, want a SetupError naming the missing source", err)
	}
	t.Logf("error: %v", err)
}

func TestChrootAndNoPivotRoot(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, func(c *Config) { c.NoPivotRoot = true }, "ls /usr/bin/env; touch /x 2>/dev/null || echo ro")
	wantOut(t, out, "/usr/bin/env\nro")
	_, out = probe(t, func(c *Config) {
		c.Mounts = []Mount{{Dst: "/proc", FSType: "proc", Mandatory: true}}
		c.Chroot = "/"
	}, "test -e /etc/hostname && echo chroot; touch /etc/kafel-test 2>/dev/null || echo ro; cat /etc/shadow >/dev/null 2>&1 || echo shadow-denied")
	wantOut(t, out, "chroot\nro\nshadow-denied")
}

func TestRlimits(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, func(c *Config) {
		c.Rlimits = []Rlimit{
			{Resource: unix.RLIMIT_NOFILE, Soft: 64, Hard: 128},
			{Resource: unix.RLIMIT_FSIZE, Soft: 1 << 20, Hard: 1 << 20},
			{Resource: unix.RLIMIT_CORE, Soft: 0, Hard: 0},
			{Resource: unix.RLIMIT_STACK, Soft: 8 << 20, Hard: RlimitInfinity},
		}
	}, "grep -E 'Max open files|Max file size|Max core|Max stack' /proc/self/limits | awk '{print $(NF-2), $(NF-1)}'")
	wantOut(t, out, "1048576 1048576\n8388608 unlimited\n0 0\n64 128")
}

func TestCwdAndEnv(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, func(c *Config) { c.Cwd = "/tmp"; c.Env = append(c.Env, "FOO=bar") }, "pwd; env | sort")
	wantOut(t, out, "/tmp\nFOO=bar\nPATH=/usr/bin:/bin\nPWD=/tmp")
	t.Setenv("KAFEL_TEST_KEEP", "kept")
	_, out = probe(t, func(c *Config) { c.KeepEnv = true }, "echo $KAFEL_TEST_KEEP")
	wantOut(t, out, "kept")
}

func TestCapsAndNoNewPrivs(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, nil, "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | cut -f2")
	wantOut(t, out, "0000000000000000\n0000000000000000\n0000000000000000\n0000000000000000\n0000000000000000\n1")
	_, out = probe(t, func(c *Config) { c.Caps = []string{"CAP_NET_RAW"}; c.DisableNoNewPrivs = true }, "grep -E '^(CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status | cut -f2")
	raw := fmt.Sprintf("%016x", 1<<unix.CAP_NET_RAW)
	wantOut(t, out, raw+"\n"+raw+"\n"+raw+"\n0")
}

func TestNiceOOMPersonalityAffinity(t *testing.T) {
	requireRoot(t)
	adj := 500
	_, out := probe(t, func(c *Config) {
		c.NiceLevel = 7
		c.OOMScoreAdj = &adj
		c.Personality.AddrNoRandomize = true
		c.MaxCPUs = 1
	}, "cut -d' ' -f19 /proc/self/stat; cat /proc/self/oom_score_adj; cat /proc/self/personality; grep Cpus_allowed_list /proc/self/status | cut -f2")
	lines := strings.Fields(out)
	if len(lines) != 4 {
		t.Fatalf("output %q", out)
	}
	if lines[0] != "7" || lines[1] != "500" || lines[2] != "00040000" {
		t.Errorf("nice, oom_score_adj, personality = %q, want 7 500 00040000", lines[:3])
	}
	if strings.ContainsAny(lines[3], ",-") {
		t.Errorf("Cpus_allowed_list %q, want one CPU", lines[3])
	}
}

func TestExitCodeAndSignal(t *testing.T) {
	requireRoot(t)
	res, _ := probe(t, nil, "exit 42")
	if res.ExitCode != 42 || res.ReasonKind != ReasonExited {
		t.Errorf("exit 42: %+v", res)
	}
	// The program is pid 1 of its pid namespace, which ignores signals it
	// has no handler for, even its own: a real fault is delivered.
	c := testConfig("/usr/bin/python3", "-c", "import ctypes; ctypes.string_at(0)")
	res, _, _ = runJail(t, c, RunOptions{})
	if res.ExitCode != 128+int(unix.SIGSEGV) || res.Signal != int(unix.SIGSEGV) || res.ReasonKind != ReasonSignaled {
		t.Errorf("segfault: %+v", res)
	}
	res, _ = probe(t, func(c *Config) { c.Namespaces.PID = false; c.Mounts = withoutProc(c.Mounts) }, "kill -TERM $$")
	if res.ExitCode != 128+int(unix.SIGTERM) || res.Signal != int(unix.SIGTERM) {
		t.Errorf("kill -TERM without a pid namespace: %+v", res)
	}
}

func TestTimeLimit(t *testing.T) {
	requireRoot(t)
	t0 := time.Now()
	res, _ := probe(t, func(c *Config) { c.TimeLimit = 300 * time.Millisecond }, "while :; do :; done")
	if res.ReasonKind != ReasonTimeLimit || res.ExitCode != 128+int(unix.SIGKILL) {
		t.Errorf("result %+v, want the time limit", res)
	}
	if d := time.Since(t0); d > 20*time.Second {
		t.Errorf("the jail outlived its time limit: %v", d)
	}
}

func TestCPULimit(t *testing.T) {
	requireRoot(t)
	res, _ := probe(t, func(c *Config) {
		c.Rlimits = []Rlimit{{Resource: unix.RLIMIT_CPU, Soft: 1, Hard: 2}}
	}, "while :; do :; done")
	if res.ReasonKind != ReasonCPULimit {
		t.Errorf("result %+v, want the cpu time limit", res)
	}
}

func TestSilentAndStderrToNull(t *testing.T) {
	requireRoot(t)
	c := testConfig("/bin/sh", "-c", "echo out; echo err >&2")
	c.StderrToNull = true
	_, out, errs := runJail(t, c, RunOptions{})
	if out != "out\n" || errs != "" {
		t.Errorf("StderrToNull: stdout %q stderr %q", out, errs)
	}
	c.Silent = true
	_, out, errs = runJail(t, c, RunOptions{})
	if out != "" || errs != "" {
		t.Errorf("Silent: stdout %q stderr %q", out, errs)
	}
}

func TestPassFDs(t *testing.T) {
	requireRoot(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := int(w.Fd())
	_, out := probe(t, func(c *Config) { c.PassFDs = []int{fd} }, "echo via-fd >&"+strconv.Itoa(fd)+"; ls /proc/self/fd | sort -n | tr '\\n' ' '")
	runtime.GC() // the runner must not have left a finalizer on our fd
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Errorf("the passed fd %d was closed in the runner: %v", fd, err)
	}
	w.Close()
	buf := make([]byte, 64)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "via-fd\n" {
		t.Errorf("read %q from the passed fd", buf[:n])
	}
	// The jail has 0, 1, 2, the passed fd, and the directory ls reads
	// (the lowest free number); nothing of the runner's.
	want := []string{"0", "1", "2", "3", strconv.Itoa(fd)}
	if fd == 3 {
		want = []string{"0", "1", "2", "3", "4"}
	}
	if got := strings.Fields(out); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("fds in the jail: %q, want %q", got, want)
	}
}

func TestMountProcFlag(t *testing.T) {
	requireRoot(t)
	_, out := probe(t, func(c *Config) {
		c.Mounts = withoutProc(c.Mounts)
		c.MountProc = true
	}, "grep -c ' /proc proc ' /proc/self/mounts; echo $$")
	wantOut(t, out, "1\n1")
}
