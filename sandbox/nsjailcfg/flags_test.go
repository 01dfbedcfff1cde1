package nsjailcfg

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/gokafel/gokafel/sandbox"
)

// loadFlags parses args as kafel run would and loads the configuration
// for the command /bin/true.
func loadFlags(args ...string) (*Loaded, error) {
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	fs.SetOutput(new(strings.Builder))
	f := AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cmd := fs.Args()
	if len(cmd) == 0 && f.Config == "" {
		cmd = []string{"/bin/true"}
	}
	return f.Load(cmd)
}

func findMount(c *sandbox.Config, dst string) (sandbox.Mount, bool) {
	for _, m := range c.Mounts {
		if m.Dst == dst {
			return m, true
		}
	}
	return sandbox.Mount{}, false
}

func getRlimit(c *sandbox.Config, res int) sandbox.Rlimit {
	for _, r := range c.Rlimits {
		if r.Resource == res {
			return r
		}
	}
	return sandbox.Rlimit{Resource: -1}
}

// TestFlags has one case per flag: the flags, and a check of the Config
// they give that returns "" when it is right.
func TestFlags(t *testing.T) {
	curNproc, _ := sandbox.CurrentRlimit(unix.RLIMIT_NPROC)
	curStackHard, _ := sandbox.CurrentRlimit(unix.RLIMIT_STACK)
	tests := []struct {
		args  []string
		check func(c *sandbox.Config, l *Loaded) string
	}{
		{[]string{"-M", "e"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Mode, sandbox.ModeExecve) }},
		{[]string{"--mode=r"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Mode, sandbox.ModeRerun) }},
		{[]string{"-Mo"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Mode, sandbox.ModeOnce) }},
		{[]string{"-Ml", "-p", "8080"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Mode, c.Port), fmt.Sprint(sandbox.ModeListenTCP, 8080))
		}},
		{[]string{"--port", "99"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Mode, sandbox.ModeListenTCP) }},
		{[]string{"-H", "box"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Hostname, "box") }},
		{[]string{"-D", "/usr"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cwd, "/usr") }},
		{[]string{"-c", "/"}, func(c *sandbox.Config, _ *Loaded) string {
			_, usr := findMount(c, "/usr")
			_, proc := findMount(c, "/proc")
			return want(sp(c.Chroot, c.RW, usr, proc), "/ false false true")
		}},
		{[]string{"--chroot", "/", "--rw"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.RW, true) }},
		{[]string{"--no_pivotroot"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.NoPivotRoot, true) }},
		{[]string{"-u", "0:1000:1"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.UIDMap, []sandbox.IDMap{{Inside: 0, Outside: 1000, Count: 1}})
		}},
		{[]string{"-u", "5:2000:10", "--user", "100:3000:1"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.UIDMap, []sandbox.IDMap{{Inside: 5, Outside: 2000, Count: 10}, {Inside: 100, Outside: 3000, Count: 1}})
		}},
		{[]string{"-g", "7:3000:1"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.GIDMap, []sandbox.IDMap{{Inside: 7, Outside: 3000, Count: 1}})
		}},
		{[]string{"-u", "nobody"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.UIDMap[0].Inside, uint32(65534)) }},
		{[]string{"-U", "0:100000:65536"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.UIDMap, []sandbox.IDMap{{Inside: 0, Outside: 100000, Count: 65536, UseNewIDMap: true}})
		}},
		{[]string{"-G", "0:100000:65536"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.GIDMap[0].UseNewIDMap, true) }},
		{[]string{"-R", "/etc"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/etc")
			_, usr := findMount(c, "/usr")
			return want(sp(m.Src, m.Bind, m.RW, m.Mandatory, usr), "/etc true false true false")
		}},
		{[]string{"--bindmount_ro", "/etc:/host-etc"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/host-etc")
			// The default root, /tmp included, is gone: so is its cwd.
			return want(sp(m.Src, c.Cwd), "/etc /")
		}},
		{[]string{"-R", "/etc", "-D", "/etc"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cwd, "/etc") }},
		{[]string{"-T", "/x", "--cwd", "/x"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cwd, "/x") }},
		{[]string{"-B", "/tmp:/data:noatime"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/data")
			return want(sp(m.Src, m.Bind, m.RW, m.Options), "/tmp true true noatime")
		}},
		{[]string{"-T", "/scratch"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/scratch")
			return want(sp(m.FSType, m.RW, m.Options), "tmpfs true size=4194304")
		}},
		{[]string{"--tmpfsmount", "/s:size=1m"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/s")
			return want(m.Options, "size=1m")
		}},
		{[]string{"-m", "none:/t:tmpfs:size=8388608"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/t")
			return want(sp(m.Src == "", m.FSType, m.Options), "true tmpfs size=8388608")
		}},
		{[]string{"-s", "/proc/self/fd:/dev/fd"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/dev/fd")
			return want(sp(m.Symlink, m.Src), "true /proc/self/fd")
		}},
		{[]string{"-T", "/a", "-R", "/usr", "-T", "/b"}, func(c *sandbox.Config, _ *Loaded) string {
			var dsts []string
			for _, m := range c.Mounts {
				dsts = append(dsts, m.Dst)
			}
			return want(strings.Join(dsts, " "), "/a /usr /b /proc")
		}},
		{[]string{"-E", "A=1", "--env", "B=2"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(strings.Join(c.Env[len(c.Env)-2:], " "), "A=1 B=2")
		}},
		{[]string{"-e"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.KeepEnv, true) }},
		{[]string{"-t", "5"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.TimeLimit, 5*time.Second) }},
		{[]string{"--time_limit=0"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.TimeLimit, time.Duration(0)) }},
		{[]string{"--max_cpus", "2"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.MaxCPUs, 2) }},
		{[]string{"-q"}, func(_ *sandbox.Config, l *Loaded) string { return want(l.Log.Level, LogLevel_WARNING) }},
		{[]string{"-Q"}, func(_ *sandbox.Config, l *Loaded) string { return want(l.Log.Level, LogLevel_FATAL) }},
		{[]string{"-v"}, func(_ *sandbox.Config, l *Loaded) string { return want(l.Log.Level, LogLevel_DEBUG) }},
		{[]string{"-l", "/tmp/x.log"}, func(_ *sandbox.Config, l *Loaded) string { return want(l.Log.File, "/tmp/x.log") }},
		{[]string{"-L", "9"}, func(_ *sandbox.Config, l *Loaded) string { return want(l.Log.FD, 9) }},
		{[]string{"--rlimit_as", "128"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_AS), sandbox.Rlimit{Resource: unix.RLIMIT_AS, Soft: 128 << 20, Hard: 128 << 20})
		}},
		{[]string{"--rlimit_core", "2"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_CORE).Soft, uint64(2<<20))
		}},
		{[]string{"--rlimit_cpu", "7"}, func(c *sandbox.Config, _ *Loaded) string { return want(getRlimit(c, unix.RLIMIT_CPU).Hard, uint64(7)) }},
		{[]string{"--rlimit_fsize", "3"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_FSIZE).Soft, uint64(3<<20))
		}},
		{[]string{"--rlimit_nofile", "0x40"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_NOFILE).Soft, uint64(64))
		}},
		{[]string{"--rlimit_nproc", "soft"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_NPROC).Soft, curNproc.Soft)
		}},
		{[]string{"--rlimit_stack", "max"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_STACK).Soft, curStackHard.Hard)
		}},
		{[]string{"--rlimit_memlock", "16"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, unix.RLIMIT_MEMLOCK).Soft, uint64(16<<10))
		}},
		{[]string{"--rlimit_rtprio", "inf"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, rlimitRTPrio).Soft, sandbox.RlimitInfinity)
		}},
		{[]string{"--rlimit_msgqueue", "HARD"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(getRlimit(c, rlimitMsgqueue).Resource, rlimitMsgqueue)
		}},
		{[]string{"--disable_rlimits"}, func(c *sandbox.Config, _ *Loaded) string { return want(len(c.Rlimits), 0) }},
		{[]string{"--persona_addr_compat_layout"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Personality.AddrCompatLayout, true) }},
		{[]string{"--persona_mmap_page_zero"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Personality.MmapPageZero, true) }},
		{[]string{"--persona_read_implies_exec"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Personality.ReadImpliesExec, true) }},
		{[]string{"--persona_addr_limit_3gb"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Personality.AddrLimit3GB, true) }},
		{[]string{"--persona_addr_no_randomize"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Personality.AddrNoRandomize, true) }},
		{[]string{"-N"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.Net, false) }},
		{[]string{"--disable_clone_newnet"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.Net, false) }},
		{[]string{"--disable_clone_newuser"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Namespaces.User, len(c.UIDMap), len(c.GIDMap)), "false 0 0")
		}},
		{[]string{"--disable_clone_newns", "--disable_proc", "-c", "/"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Namespaces.Mount, len(c.Mounts)), "false 0")
		}},
		{[]string{"--disable_clone_newpid", "--disable_proc"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.PID, false) }},
		{[]string{"--disable_clone_newipc"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.IPC, false) }},
		{[]string{"--disable_clone_newuts"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Namespaces.UTS, c.Hostname), "false ")
		}},
		{[]string{"--disable_clone_newcgroup"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.Cgroup, false) }},
		{[]string{"--enable_clone_newtime"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Namespaces.Time, true) }},
		{[]string{"--proc_path", "/p"}, func(c *sandbox.Config, _ *Loaded) string {
			_, old := findMount(c, "/proc")
			m, _ := findMount(c, "/p")
			return want(sp(old, m.FSType), "false proc")
		}},
		{[]string{"--proc_rw"}, func(c *sandbox.Config, _ *Loaded) string {
			m, _ := findMount(c, "/proc")
			return want(m.RW, true)
		}},
		{[]string{"--disable_proc"}, func(c *sandbox.Config, _ *Loaded) string {
			_, ok := findMount(c, "/proc")
			return want(ok, false)
		}},
		{[]string{"-P", "p.kafel"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Seccomp.PolicyFile, "p.kafel") }},
		{[]string{"--policy", "q.kafel"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Seccomp.PolicyFile, "q.kafel") }},
		{[]string{"--seccomp_string", "ALLOW { read }", "--seccomp_string", "DEFAULT KILL"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Seccomp.Policy, "ALLOW { read }\nDEFAULT KILL\n")
		}},
		{[]string{"--seccomp_log"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Seccomp.Log, true) }},
		{[]string{"--include_path", "/inc"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Seccomp.IncludePaths, []string{"/inc"}) }},
		{[]string{"--keep_caps"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.KeepCaps, true) }},
		{[]string{"--cap", "CAP_NET_RAW", "--cap", "CAP_CHOWN"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Caps, []string{"CAP_NET_RAW", "CAP_CHOWN"})
		}},
		{[]string{"--silent"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Silent, true) }},
		{[]string{"--stderr_to_null"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.StderrToNull, true) }},
		{[]string{"--skip_setsid"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.SkipSetsid, true) }},
		{[]string{"--pass_fd", "5", "--pass_fd", "6"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.PassFDs, []int{5, 6}) }},
		{[]string{"--disable_no_new_privs"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.DisableNoNewPrivs, true) }},
		{[]string{"--nice_level", "-5"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.NiceLevel, -5) }},
		{[]string{"--oom_score_adj", "500"}, func(c *sandbox.Config, _ *Loaded) string { return want(*c.OOMScoreAdj, 500) }},
		// The limit asked for is required; DefaultConfig's others stay optional.
		{[]string{"--cgroup_mem_max", "1048576"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Cgroups.MemMax, c.Cgroups.Optional, c.Cgroups.Required), sp(1048576, true, sandbox.LimitMemory))
		}},
		{[]string{"--cgroup_pids_max", "8", "--cgroup_cpu_mount", "/x"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Cgroups.Required, sandbox.LimitPids|sandbox.LimitCPU)
		}},
		{[]string{"--cgroup_mem_max", "100", "--cgroup_mem_memsw_max", "200"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.MemMemswMax, uint64(200)) }},
		{[]string{"--cgroup_mem_swap_max", "0"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.MemSwapMax, int64(0)) }},
		{[]string{"--cgroup_pids_max", "10"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.PidsMax, uint64(10)) }},
		{[]string{"--cgroup_cpu_ms_per_sec", "100"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.CPUMsPerSec, uint64(100)) }},
		{[]string{"--cgroup_net_cls_classid", "0x100001"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.NetClsClassID, uint32(0x100001)) }},
		{[]string{"--cgroup_mem_mount", "/m", "--cgroup_mem_parent", "P"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Cgroups.V1MemMount+" "+c.Cgroups.V1MemParent, "/m P")
		}},
		{[]string{"--cgroup_pids_mount", "/p", "--cgroup_pids_parent", "Q"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Cgroups.V1PidsMount+" "+c.Cgroups.V1PidsParent, "/p Q")
		}},
		{[]string{"--cgroup_cpu_mount", "/c", "--cgroup_cpu_parent", "R"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Cgroups.V1CPUMount+" "+c.Cgroups.V1CPUParent, "/c R")
		}},
		{[]string{"--cgroup_net_cls_mount", "/n", "--cgroup_net_cls_parent", "S"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Cgroups.V1NetClsMount+" "+c.Cgroups.V1NetClsParent, "/n S")
		}},
		{[]string{"--use_cgroupv2", "--cgroupv2_mount", "/sys/fs/cgroup/unified"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(sp(c.Cgroups.UseV2, c.Cgroups.V2Mount), "true /sys/fs/cgroup/unified")
		}},
		{[]string{"--detect_cgroupv2"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.Cgroups.DetectV2, true) }},
		{[]string{"--iface_no_lo"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.IfaceNoLo, true) }},
		{[]string{"-Ml", "--port", "1", "--bindhost", "127.0.0.1"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.BindHost, "127.0.0.1") }},
		{[]string{"--max_conns", "3"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.MaxConns, 3) }},
		{[]string{"-i", "4"}, func(c *sandbox.Config, _ *Loaded) string { return want(c.MaxConnsPerIP, 4) }},
		{[]string{"-x", "/bin/busybox", "--", "sh", "-c", "true"}, func(c *sandbox.Config, _ *Loaded) string {
			return want(c.Path+" "+strings.Join(c.Argv, " "), "/bin/busybox sh -c true")
		}},
		{[]string{"--forward_signals"}, func(_ *sandbox.Config, l *Loaded) string {
			return want(len(l.Warnings) == 1 && strings.Contains(l.Warnings[0].String(), "flag --forward_signals: warning"), true)
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			l, err := loadFlags(tt.args...)
			if err != nil {
				t.Fatalf("flags %q: %v", tt.args, err)
			}
			if msg := tt.check(l.Config, l); msg != "" {
				t.Errorf("flags %q: %s", tt.args, msg)
			}
		})
	}
}

// sp joins its operands with spaces.
func sp(a ...any) string { return strings.TrimSuffix(fmt.Sprintln(a...), "\n") }

func want[T any](got, want T) string {
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		return fmt.Sprintf("got %s, want %s", g, w)
	}
	return ""
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-M", "x"}, `flag --mode: unknown mode "x"`},
		{[]string{"--rlimit_as", "lots"}, `flag --rlimit_as: "lots" is not a number`},
		{[]string{"-u", "1:2"}, `flag --user: "1:2": want an id, or inside:outside:count`},
		{[]string{"-u", "1:2:0"}, `count "0" is not a number`},
		{[]string{"-g", "no-such-group-kafel"}, `flag --group: "no-such-group-kafel": inside_id: no group`},
		{[]string{"-R", "/a:/b:c:d"}, `flag --bindmount_ro: "/a:/b:c:d": want src`},
		{[]string{"-s", "/a"}, `flag --symlink: "/a": want src:dst`},
		{[]string{"-m", "x"}, `flag --mount: "x": want src:dst:fstype:options`},
		{[]string{"-d"}, `flag --daemon: not supported`},
		{[]string{"-I", "eth0"}, `flag --macvlan_iface: not supported`},
		{[]string{"--cwd", "rel"}, `flag --cwd: "rel" is not an absolute path`},
		{[]string{"--nice_level", "30"}, `flag --nice_level: 30 is outside -20..19`},
		{[]string{"-R", "rel"}, `flag --bindmount_ro: "rel" is not an absolute path`},
		{[]string{"--cap", "CAP_NOPE"}, `flag --cap: unknown capability "CAP_NOPE"`},
		{[]string{"--disable_clone_newpid"}, `a proc mounted from a user namespace needs the PID namespace`},
		{[]string{"--policy", "a", "-P", "b"}, `flag --policy: given together with --seccomp_policy "b"`},
		{[]string{"-Ml"}, `port: listen mode needs a TCP port`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := loadFlags(tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("flags %q: got %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestOverride checks that flags override the file, that repeated
// values append to it, and that words after -- replace exec_bin.
func TestOverride(t *testing.T) {
	cfg := filepath.Join("testdata", "python-sandbox.cfg")
	l, err := loadFlags("-C", cfg, "-H", "other", "--time_limit", "5", "--rlimit_nofile", "16",
		"-R", "/etc", "--cgroup_pids_max", "8", "-N", "--", "/usr/bin/python3", "-c", "print('hello')")
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Hostname != "other" || c.TimeLimit != 5*time.Second || c.Cwd != "/app" {
		t.Errorf("hostname %q time %v cwd %q: flags must override, the rest stays", c.Hostname, c.TimeLimit, c.Cwd)
	}
	if r := getRlimit(c, unix.RLIMIT_NOFILE); r.Soft != 16 {
		t.Errorf("nofile %+v", r)
	}
	if r := getRlimit(c, unix.RLIMIT_FSIZE); r.Soft != 64<<20 {
		t.Errorf("fsize %+v: the file's value must stay", r)
	}
	if len(c.Mounts) != 10 || c.Mounts[9].Dst != "/etc" || c.Mounts[0].Dst != "/usr" {
		t.Errorf("mounts: want the file's 9 then -R /etc, got %d: %+v", len(c.Mounts), c.Mounts)
	}
	if c.Cgroups.PidsMax != 8 || c.Cgroups.MemMax != 536870912 {
		t.Errorf("cgroups %+v", c.Cgroups)
	}
	if c.Namespaces.Net {
		t.Error("-N did not turn the network namespace off")
	}
	if c.Path != "/usr/bin/python3" || !slices.Equal(c.Argv, []string{"/usr/bin/python3", "-c", "print('hello')"}) {
		t.Errorf("program %q %q", c.Path, c.Argv)
	}
	// Without a command the file's exec_bin stays.
	l, err = loadFlags("--config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Config.Argv, []string{"/usr/bin/python3", "-c"}) {
		t.Errorf("argv %q", l.Config.Argv)
	}
	// A flag's bad value is reported at the flag, even over the file.
	_, err = loadFlags("-C", cfg, "-D", "relative")
	if err == nil || !strings.HasPrefix(err.Error(), "flag --cwd: ") {
		t.Errorf("got %v", err)
	}
	// A file's bad value is reported at its line.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.cfg")
	os.WriteFile(bad, []byte("exec_bin { path: \"/bin/true\" }\n\nhostname: \""+strings.Repeat("x", 70)+"\"\n"), 0o644)
	_, err = loadFlags("-C", bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":3:1: hostname: ") {
		t.Errorf("got %v", err)
	}
	// ... unless a flag replaced it.
	if _, err = loadFlags("-C", bad, "-H", "ok"); err != nil {
		t.Errorf("-H must override the file's bad hostname: %v", err)
	}
	// A missing file is an I/O error, not a config error.
	if _, err = loadFlags("-C", filepath.Join(dir, "none.cfg")); err == nil || !os.IsNotExist(err) {
		t.Errorf("got %v", err)
	}
}

func TestDefaultsWithoutConfig(t *testing.T) {
	l, err := loadFlags()
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	d := sandbox.DefaultConfig()
	if c.Hostname != d.Hostname || c.Cwd != d.Cwd || len(c.Mounts) != len(d.Mounts) || !c.Seccomp.Default || !c.Cgroups.Optional {
		t.Errorf("without flags the config must be DefaultConfig: %+v", c)
	}
	if c.Path != "/bin/true" || !slices.Equal(c.Argv, []string{"/bin/true"}) {
		t.Errorf("program %q %q", c.Path, c.Argv)
	}
}

// TestIDMapFlagsOverFile checks that -u replaces the maps a file did not
// write (the defaults) and appends to those it did.
func TestIDMapFlagsOverFile(t *testing.T) {
	dir := t.TempDir()
	noMaps := filepath.Join(dir, "nomaps.cfg")
	os.WriteFile(noMaps, []byte("exec_bin { path: \"/bin/true\" }\n"), 0o644)
	l, err := loadFlags("-C", noMaps, "-u", "0:5000:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Config.UIDMap) != 1 || l.Config.UIDMap[0].Outside != 5000 {
		t.Errorf("uid map %+v, want only -u's", l.Config.UIDMap)
	}
	if _, err := loadFlags("-C", noMaps, "--disable_clone_newuser"); err != nil {
		t.Errorf("--disable_clone_newuser over a file without maps: %v", err)
	}
	l, err = loadFlags("-C", filepath.Join("testdata", "python-sandbox.cfg"), "-u", "0:5000:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Config.UIDMap) != 2 || l.Config.UIDMap[0].Inside != 1000 || l.Config.UIDMap[1].Outside != 5000 {
		t.Errorf("uid map %+v, want the file's then -u's", l.Config.UIDMap)
	}
	_, err = loadFlags("-C", filepath.Join("testdata", "python-sandbox.cfg"), "--disable_clone_newuser")
	if err == nil || !strings.Contains(err.Error(), "python-sandbox.cfg:24:1: uidmap: id maps need the user namespace") {
		t.Errorf("got %v", err)
	}
}

// TestZeroFlags checks that the zero Flags loads what a command line
// without flags does: Load must not read a flag's non-zero default unless
// the flag was given.
func TestZeroFlags(t *testing.T) {
	for _, cmd := range [][]string{{"/bin/true"}, {"/usr/bin/python3", "-c", "print(1)"}, nil} {
		fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
		parsed := AddFlags(fs)
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		want, werr := parsed.Load(cmd)
		got, err := (&Flags{}).Load(cmd)
		if fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Fatalf("command %q: zero Flags: error %v, want %v", cmd, err, werr)
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("command %q: zero Flags load\n%+v\nwant, as a command line without flags,\n%+v", cmd, *got.Config, *want.Config)
		}
	}
}
