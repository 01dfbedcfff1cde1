package nsjailcfg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox"
)

func loadTestdata(t *testing.T, name string) *Loaded {
	t.Helper()
	f, err := LoadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("LoadFile(%s): %v", name, err)
	}
	l, err := f.Config()
	if err != nil {
		t.Fatalf("%s: Config: %v", name, err)
	}
	return l
}

func rlimit(t *testing.T, c *sandbox.Config, res int) sandbox.Rlimit {
	t.Helper()
	for _, r := range c.Rlimits {
		if r.Resource == res {
			return r
		}
	}
	t.Fatalf("no rlimit %d in %+v", res, c.Rlimits)
	return sandbox.Rlimit{}
}

func TestSeedPythonSandbox(t *testing.T) {
	l := loadTestdata(t, "python-sandbox.cfg")
	c := l.Config
	if c.Name != "python-sandbox" || c.Mode != sandbox.ModeOnce || c.Hostname != "sandbox" || c.Cwd != "/app" {
		t.Errorf("name %q mode %v hostname %q cwd %q", c.Name, c.Mode, c.Hostname, c.Cwd)
	}
	if c.TimeLimit != 30*time.Second || c.MaxCPUs != 1 {
		t.Errorf("time limit %v max cpus %d", c.TimeLimit, c.MaxCPUs)
	}
	want := sandbox.Namespaces{User: true, PID: true, Mount: true, Net: true, UTS: true, IPC: true, Cgroup: true}
	if c.Namespaces != want {
		t.Errorf("namespaces %+v, want %+v", c.Namespaces, want)
	}
	if r := rlimit(t, c, unix.RLIMIT_FSIZE); r.Soft != 64<<20 || r.Hard != 64<<20 {
		t.Errorf("fsize %+v, want 64 MiB", r)
	}
	if r := rlimit(t, c, unix.RLIMIT_NOFILE); r.Soft != 128 {
		t.Errorf("nofile %+v, want 128", r)
	}
	cur, _ := sandbox.CurrentRlimit(unix.RLIMIT_AS)
	if r := rlimit(t, c, unix.RLIMIT_AS); r.Soft != cur.Hard || r.Hard != cur.Hard {
		t.Errorf("as %+v, want the runner's hard limit %d (HARD)", r, cur.Hard)
	}
	if r := rlimit(t, c, unix.RLIMIT_CPU); r.Soft != 600 && cur.Hard == sandbox.RlimitInfinity {
		t.Logf("cpu %+v", r)
	}
	if r := rlimit(t, c, unix.RLIMIT_CORE); r.Soft != 0 {
		t.Errorf("core %+v, want nsjail's default 0", r)
	}
	if len(c.UIDMap) != 1 || c.UIDMap[0].Inside != 1000 || c.UIDMap[0].Count != 1 {
		t.Errorf("uid map %+v", c.UIDMap)
	}
	wantOut := uint32(os.Geteuid())
	if wantOut == 0 {
		wantOut = sandbox.NobodyID
	}
	if c.UIDMap[0].Outside != wantOut {
		t.Errorf("outside uid %d, want %d", c.UIDMap[0].Outside, wantOut)
	}
	if c.Cgroups.MemMax != 536870912 || c.Cgroups.PidsMax != 64 || c.Cgroups.CPUMsPerSec != 500 || c.Cgroups.Optional {
		t.Errorf("cgroups %+v", c.Cgroups)
	}
	if len(c.Mounts) != 9 {
		t.Fatalf("%d mounts, want 9: %+v", len(c.Mounts), c.Mounts)
	}
	if m := c.Mounts[2]; m.Dst != "/lib64" || m.Mandatory || !m.Bind || m.RW {
		t.Errorf("lib64 %+v, want a non-mandatory read-only bind", m)
	}
	if m := c.Mounts[4]; m.Dst != "/tmp" || m.FSType != "tmpfs" || !m.RW || !m.Mandatory {
		t.Errorf("tmp %+v", m)
	}
	if m := c.Mounts[6]; m.FSType != "proc" || m.RW {
		t.Errorf("proc %+v", m)
	}
	if c.Path != "/usr/bin/python3" || strings.Join(c.Argv, " ") != "/usr/bin/python3 -c" {
		t.Errorf("program %q %q", c.Path, c.Argv)
	}
	if c.NiceLevel != 19 || !c.Seccomp.Default {
		t.Errorf("nice %d seccomp %+v", c.NiceLevel, c.Seccomp)
	}
	if err := l.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestSeedReplService(t *testing.T) {
	l := loadTestdata(t, "repl-service.cfg")
	c := l.Config
	if c.Mode != sandbox.ModeListenTCP || c.Port != 9999 || c.MaxConns != 100 || c.MaxConnsPerIP != 5 || c.BindHost != "::" {
		t.Errorf("listen settings: mode %v port %d conns %d/%d bind %q", c.Mode, c.Port, c.MaxConns, c.MaxConnsPerIP, c.BindHost)
	}
	if c.TimeLimit != time.Minute || c.Cgroups.MemMax != 256<<20 {
		t.Errorf("time %v mem %d", c.TimeLimit, c.Cgroups.MemMax)
	}
	// Unset clone_* keep nsjail's defaults: ipc, uts and cgroup on.
	if !c.Namespaces.IPC || !c.Namespaces.UTS || !c.Namespaces.Cgroup || c.Namespaces.Time {
		t.Errorf("namespaces %+v", c.Namespaces)
	}
	if c.Hostname != "NSJAIL" || c.Cwd != "/" {
		t.Errorf("nsjail defaults: hostname %q cwd %q", c.Hostname, c.Cwd)
	}
	if strings.Join(c.Argv, " ") != "/usr/bin/python3 -i" {
		t.Errorf("argv %q", c.Argv)
	}
	if err := l.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// TestNsjailDefaults checks an empty file against nsjail's documented
// defaults.
func TestNsjailDefaults(t *testing.T) {
	f, err := Parse("empty.cfg", []byte("exec_bin { path: \"/bin/true\" }\n"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Mode != sandbox.ModeOnce || c.Hostname != "NSJAIL" || c.Cwd != "/" || c.TimeLimit != 600*time.Second || c.NiceLevel != 19 {
		t.Errorf("mode %v hostname %q cwd %q time %v nice %d", c.Mode, c.Hostname, c.Cwd, c.TimeLimit, c.NiceLevel)
	}
	for _, tc := range []struct {
		res  int
		want uint64
	}{
		{unix.RLIMIT_AS, 4096 << 20}, {unix.RLIMIT_CORE, 0}, {unix.RLIMIT_CPU, 600},
		{unix.RLIMIT_FSIZE, 1 << 20}, {unix.RLIMIT_NOFILE, 32},
	} {
		if r := rlimit(t, c, tc.res); r.Soft != tc.want || r.Hard != tc.want {
			t.Errorf("rlimit %d = %+v, want %d", tc.res, r, tc.want)
		}
	}
	for _, res := range []int{unix.RLIMIT_NPROC, unix.RLIMIT_STACK, unix.RLIMIT_MEMLOCK, rlimitRTPrio, rlimitMsgqueue} {
		cur, _ := sandbox.CurrentRlimit(res)
		if r := rlimit(t, c, res); r.Soft != cur.Soft || r.Hard != cur.Soft {
			t.Errorf("rlimit %d = %+v, want the runner's soft limit %d (SOFT)", res, r, cur.Soft)
		}
	}
	g := c.Cgroups
	if g.MemMax != 0 || g.MemSwapMax != -1 || g.V1MemMount != "/sys/fs/cgroup/memory" || g.V1PidsParent != "NSJAIL" || g.V2Mount != "/sys/fs/cgroup" {
		t.Errorf("cgroups %+v", g)
	}
	if len(c.Mounts) != 0 {
		t.Errorf("mounts %+v, want none (mount_proc defaults to false)", c.Mounts)
	}
	if !c.Namespaces.Cgroup || c.Namespaces.Time {
		t.Errorf("namespaces %+v", c.Namespaces)
	}
}

func TestConversions(t *testing.T) {
	t.Setenv("KAFEL_TEST_PREFIX", "/opt")
	t.Setenv("KAFEL_TEST_VAR", "v1")
	src := `
exec_bin { path: "/bin/sh" arg: "-c" arg: "echo" arg0: "sh" }
envar: "A=1"
envar: "KAFEL_TEST_VAR"
envar: "KAFEL_TEST_UNSET_VAR"
rlimit_memlock: 8
rlimit_memlock_type: VALUE
rlimit_stack_type: INF
disable_rl: false
seccomp_string: "ALLOW { read }"
seccomp_string: "DEFAULT KILL"
mount_proc: true
mount { src: "/data" prefix_src_env: "KAFEL_TEST_PREFIX" dst: "/data" is_bind: true rw: true is_dir: true nosuid: true }
mount { dst: "/etc/motd" src_content: "hi" }
mount { src: "/usr/bin" dst: "/b" is_symlink: true }
uidmap { inside_id: "0" outside_id: "1234" count: 10 }
oom_score_adj: -500
clone_newuts: false
cap: "CAP_NET_RAW"
pass_fd: 5
persona_addr_no_randomize: true
log_level: WARNING
log_fd: 7
`
	f, err := Parse("c.cfg", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if strings.Join(c.Argv, "|") != "sh|-c|echo" || c.Path != "/bin/sh" {
		t.Errorf("argv %q path %q", c.Argv, c.Path)
	}
	if strings.Join(c.Env, " ") != "A=1 KAFEL_TEST_VAR=v1" {
		t.Errorf("env %q", c.Env)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].String(), "c.cfg:5:1: warning: envar \"KAFEL_TEST_UNSET_VAR\"") {
		t.Errorf("warnings %v", l.Warnings)
	}
	if r := rlimit(t, c, unix.RLIMIT_MEMLOCK); r.Soft != 8<<10 {
		t.Errorf("memlock %+v, want 8 KiB", r)
	}
	if r := rlimit(t, c, unix.RLIMIT_STACK); r.Soft != sandbox.RlimitInfinity {
		t.Errorf("stack %+v, want infinity", r)
	}
	if c.Seccomp.Policy != "ALLOW { read }\nDEFAULT KILL\n" {
		t.Errorf("policy %q", c.Seccomp.Policy)
	}
	if len(c.Mounts) != 4 {
		t.Fatalf("mounts %+v", c.Mounts)
	}
	if m := c.Mounts[0]; m.Src != "/opt/data" || !m.RW || m.IsDir == nil || !*m.IsDir || !m.NoSuid {
		t.Errorf("data mount %+v", m)
	}
	if m := c.Mounts[1]; string(m.SrcContent) != "hi" || !m.Bind {
		t.Errorf("content mount %+v", m)
	}
	if m := c.Mounts[2]; !m.Symlink || m.Src != "/usr/bin" {
		t.Errorf("symlink %+v", m)
	}
	if m := c.Mounts[3]; m.FSType != "proc" || m.Dst != "/proc" || m.RW {
		t.Errorf("proc mount %+v, want mount_proc last", m)
	}
	if len(c.UIDMap) != 1 || c.UIDMap[0] != (sandbox.IDMap{Inside: 0, Outside: 1234, Count: 10}) {
		t.Errorf("uid map %+v", c.UIDMap)
	}
	if c.OOMScoreAdj == nil || *c.OOMScoreAdj != -500 {
		t.Errorf("oom %v", c.OOMScoreAdj)
	}
	if c.Hostname != "" {
		t.Errorf("hostname %q without a UTS namespace", c.Hostname)
	}
	if !c.Personality.AddrNoRandomize || len(c.PassFDs) != 1 || c.Caps[0] != "CAP_NET_RAW" {
		t.Errorf("persona %+v fds %v caps %v", c.Personality, c.PassFDs, c.Caps)
	}
	if l.Log.Level != LogLevel_WARNING || l.Log.FD != 7 {
		t.Errorf("log %+v", l.Log)
	}
}

func TestJSON(t *testing.T) {
	src := `{
  "name": "j",
  "mode": "EXECVE",
  "cloneNewnet": false,
  "rlimit_nofile": 64,
  "mount": [{"dst": "/tmp", "fstype": "tmpfs", "rw": true}, {"src": "/usr", "dst": "/usr", "is_bind": true}],
  "exec_bin": {"path": "/bin/true"}
}`
	f, err := Parse("j.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.Config()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Name != "j" || c.Mode != sandbox.ModeExecve || c.Namespaces.Net || len(c.Mounts) != 2 || c.Mounts[1].Src != "/usr" {
		t.Errorf("%+v", c)
	}
	// A semantic error in JSON points at the element.
	bad := strings.Replace(src, `"dst": "/usr"`, `"dst": "usr"`, 1)
	f, err = Parse("j.json", []byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	l, err = f.Config()
	if err != nil {
		t.Fatal(err)
	}
	err = l.Validate()
	if err == nil || !strings.Contains(err.Error(), "j.json:6:77: mount [1] dst: \"usr\" is not an absolute path") {
		t.Errorf("got %v", err)
	}
}

// TestErrors checks that each bad file gives an error at the right line
// and column, with the message a person needs.
func TestErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // substring of the error
	}{
		{"unknown field", "name: \"x\"\n  hostnme: \"h\"\n", `bad.cfg:2:3: unknown field "hostnme" in NsJailConfig (did you mean "hostname"?)`},
		{"unknown nested field", "mount {\n  dst: \"/x\"\n  is_bnd: true\n}\n", `bad.cfg:3:3: unknown field "is_bnd" in MountPt (did you mean "is_bind"?)`},
		{"unknown field far from all", "zzzzzzzzzzzz: 1\n", `bad.cfg:1:1: unknown field "zzzzzzzzzzzz" in NsJailConfig`},
		{"bad enum", "mode: ONCEE\n", `bad.cfg:1:7: invalid value ONCEE for mode: want one of LISTEN, LISTEN_TCP, ONCE, RERUN, EXECVE (did you mean ONCE?)`},
		{"bad rlimit type", "rlimit_as_type: HRAD\n", `(did you mean HARD?)`},
		{"negative count", "uidmap {\n  inside_id: \"0\"\n  count: -1\n}\n", `bad.cfg:3:10: invalid value -1 for count (a number ≥ 0)`},
		{"string for number", "time_limit: \"ten\"\n", `bad.cfg:1:13: invalid value "ten" for time_limit`},
		{"syntax", "mount {\n  dst: \"/x\"\n", `bad.cfg:3:1: syntax error`},
		{"repeated scalar", "cwd: \"/a\"\ncwd: \"/b\"\n", `bad.cfg:2:1: non-repeated field "cwd" is repeated`},
		{"missing dst", "mount { src: \"/a\" }\nmount {\n  src: \"/b\"\n}\n", `bad.cfg:1:1: mount has no dst`},
		{"missing path", "\n\nexec_bin { arg: \"x\" }\n", `bad.cfg:3:1: exec_bin has no path`},
		{"bad uid", "uidmap {\n  inside_id: \"12x\"\n}\n", `bad.cfg:1:1: uidmap: inside_id: "12x" is not an id`},
		{"unknown user", "gidmap { outside_id: \"no-such-group-kafel\" }\n", `bad.cfg:1:1: gidmap: outside_id: no group "no-such-group-kafel"`},
		{"zero count", "uidmap {\n  count: 0\n}\n", `bad.cfg:2:3: uidmap: count must be at least 1`},
		{"unsupported", "name: \"a\"\nmacvlan_iface: \"eth0\"\n", `bad.cfg:2:1: macvlan_iface is not supported`},
		{"exec_fd", "exec_bin {\n  path: \"/x\"\n  exec_fd: true\n}\n", `bad.cfg:3:3: exec_fd`},
		{"user_net", "user_net { }\n", `bad.cfg:1:1: nsjail field "user_net" is not supported by kafel run`},
		{"prefix env", "mount { dst: \"/x\" prefix_dst_env: \"KAFEL_NO_SUCH_VAR\" fstype: \"tmpfs\" }\n", `bad.cfg:1:19: prefix_dst_env: the runner has no variable KAFEL_NO_SUCH_VAR`},
		{"huge rlimit", "rlimit_as: 18446744073709551615\n", `bad.cfg:1:1: rlimit_as: 18446744073709551615 is too large`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("bad.cfg", []byte(tt.src))
			if err == nil {
				_, err = f.Config()
			}
			if err == nil {
				t.Fatalf("no error for:\n%s", tt.src)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error is not ErrConfig: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("file:\n%s\ngot:\n%v\nwant it to contain:\n%s", tt.src, err, tt.want)
			}
		})
	}
}

// TestValidateErrorPositions checks that Validate's errors point at the
// field in the file.
func TestValidateErrorPositions(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"relative cwd", "name: \"x\"\ncwd: \"app\"\nexec_bin { path: \"/x\" }\n", `v.cfg:2:1: cwd: "app" is not an absolute path`},
		{"mount dst", "exec_bin { path: \"/x\" }\nmount { dst: \"/a\" fstype: \"tmpfs\" }\nmount {\n  src: \"/b\"\n  dst: \"b\"\n  is_bind: true\n}\n", `v.cfg:5:3: mount [1] dst: "b" is not an absolute path`},
		{"bind without src", "exec_bin { path: \"/x\" }\nmount {\n  dst: \"/b\"\n  is_bind: true\n}\n", `v.cfg:2:1: mount [0] src: a bind mount needs a source`},
		{"bad cap", "exec_bin { path: \"/x\" }\ncap: \"CAP_SYS_ADMIN\"\ncap: \"CAP_FOO\"\n", `v.cfg:3:1: cap[1]: unknown capability "CAP_FOO"`},
		{"nice", "exec_bin { path: \"/x\" }\n  nice_level: 40\n", `v.cfg:2:3: nice_level: 40 is outside -20..19`},
		{"no program", "name: \"x\"\n", `v.cfg: exec_bin: no program to run`},
		{"policy twice", "exec_bin { path: \"/x\" }\nseccomp_policy_file: \"a.kafel\"\nseccomp_string: \"x\"\n", `v.cfg:3:1: seccomp_string: set together with`},
		{"proc without pid ns", "exec_bin { path: \"/x\" }\nclone_newpid: false\nmount_proc: true\n", `v.cfg:3:1: mount [0] fstype: a proc mounted`},
		{"overlapping maps", "exec_bin { path: \"/x\" }\nuidmap { inside_id: \"0\" outside_id: \"1000\" count: 10 }\nuidmap { inside_id: \"5\" outside_id: \"2000\" }\n", `v.cfg:3:1: uidmap[1]: inside range`},
		{"memsw", "exec_bin { path: \"/x\" }\ncgroup_mem_max: 100\ncgroup_mem_memsw_max: 50\n", `v.cfg:3:1: cgroup_mem_memsw_max: memory+swap limit 50`},
		{"listen without port", "exec_bin { path: \"/x\" }\nmode: LISTEN\n", `v.cfg: port: listen mode needs a TCP port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("v.cfg", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			l, err := f.Config()
			if err != nil {
				t.Fatal(err)
			}
			err = l.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("file:\n%s\ngot:\n%v\nwant it to contain:\n%s", tt.src, err, tt.want)
			}
		})
	}
}

func TestDiagnosticCaret(t *testing.T) {
	_, err := Parse("bad.cfg", []byte("name: \"x\"\n\thostnme: \"h\"\n"))
	want := "bad.cfg:2:2: unknown field \"hostnme\" in NsJailConfig (did you mean \"hostname\"?)\n\t hostnme: \"h\"\n\t ^"
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestJSONErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"{\n  \"name\": \"x\",\n  \"mount\": [{\"dst\": \"/a\", \"is_bnd\": true}]\n}", `j.json:3:27: unknown field "is_bnd" in MountPt (did you mean "is_bind"?)`},
		{"{\"mode\": \"ONCEE\"}", `j.json:1:10: invalid value "ONCEE" for mode: want one of LISTEN, LISTEN_TCP, ONCE, RERUN, EXECVE (did you mean ONCE?)`},
		{"{\"time_limit\": -1}", `j.json:1:16: invalid value -1 for time_limit (a number ≥ 0)`},
		{"{\"name\": \"x\"", `j.json:1:13: syntax error: unexpected end of file`},
	}
	for _, tt := range tests {
		_, err := Parse("j.json", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s\ngot:\n%v\nwant it to contain:\n%s", tt.src, err, tt.want)
		}
	}
}
