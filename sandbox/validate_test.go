package sandbox

import (
	"errors"
	"strings"
	"testing"
)

func validConfig() *Config {
	c := DefaultConfig()
	c.Path = "/usr/bin/python3"
	c.Argv = []string{"python3", "-c", "print(1)"}
	return c
}

func TestDefaultConfigValidates(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("DefaultConfig with a program does not validate:\n%v", err)
	}
	if err := DefaultConfig().Validate(); err == nil || !strings.Contains(err.Error(), "Path:") {
		t.Fatalf("DefaultConfig without a program: got %v, want an error naming Path", err)
	}
}

func TestDefaultConfigContents(t *testing.T) {
	c := DefaultConfig()
	ns := c.Namespaces
	if !(ns.User && ns.PID && ns.Mount && ns.Net && ns.UTS && ns.IPC && ns.Cgroup) || ns.Time {
		t.Errorf("namespaces = %+v, want all but time", ns)
	}
	if c.Hostname != "kafel" || c.Cwd != "/tmp" || !c.Seccomp.Default {
		t.Errorf("hostname %q cwd %q seccomp default %v", c.Hostname, c.Cwd, c.Seccomp.Default)
	}
	if c.Cgroups.MemMax != 512<<20 || c.Cgroups.PidsMax != 64 || !c.Cgroups.Optional {
		t.Errorf("cgroups = %+v", c.Cgroups)
	}
	dst := map[string]Mount{}
	for _, m := range c.Mounts {
		dst[m.Dst] = m
	}
	for _, want := range []string{"/usr", "/tmp", "/proc", "/dev/null", "/dev/urandom", "/bin"} {
		if _, ok := dst[want]; !ok {
			t.Errorf("no mount at %s in %+v", want, c.Mounts)
		}
	}
	if m := dst["/usr"]; !m.Bind || m.RW {
		t.Errorf("/usr = %+v, want a read-only bind", m)
	}
	if m := dst["/tmp"]; m.FSType != "tmpfs" || !m.RW {
		t.Errorf("/tmp = %+v, want a writable tmpfs", m)
	}
	if len(c.UIDMap) != 1 || len(c.GIDMap) != 1 {
		t.Fatalf("maps %+v %+v", c.UIDMap, c.GIDMap)
	}
	if c.UIDMap[0].Outside == 0 || c.GIDMap[0].Outside == 0 {
		t.Errorf("the default maps the jail to outside id 0: %+v %+v", c.UIDMap, c.GIDMap)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(c *Config)
		field  string // expected FieldError.Field
		msg    string // part of the message
	}{
		{"unknown mode", func(c *Config) { c.Mode = 9 }, "Mode", "unknown mode"},
		{"no program", func(c *Config) { c.Path = "" }, "Path", "no program"},
		{"NUL in argv", func(c *Config) { c.Argv[1] = "a\x00b" }, "Argv[1]", "NUL"},
		{"NUL in cwd", func(c *Config) { c.Cwd = "/tmp\x00/x" }, "Cwd", "NUL"},
		{"NUL in chroot", func(c *Config) { c.Chroot = "/srv\x00/x" }, "Chroot", "NUL"},
		{"long hostname", func(c *Config) { c.Hostname = strings.Repeat("h", 65) }, "Hostname", "longer than 64"},
		{"hostname without UTS", func(c *Config) { c.Namespaces.UTS = false }, "Hostname", "UTS namespace"},
		{"relative cwd", func(c *Config) { c.Cwd = "tmp" }, "Cwd", "absolute"},
		{"env without =", func(c *Config) { c.Env = append(c.Env, "FOO") }, "Env[3]", "NAME=value"},
		{"env empty name", func(c *Config) { c.Env = []string{"=x"} }, "Env[0]", "empty name"},
		{"negative time", func(c *Config) { c.TimeLimit = -1 }, "TimeLimit", "negative"},
		{"negative cpus", func(c *Config) { c.MaxCPUs = -2 }, "MaxCPUs", "negative"},
		{"maps without userns", func(c *Config) { c.Namespaces.User = false; c.GIDMap = nil }, "UIDMap", "user namespace"},
		{"userns without map", func(c *Config) { c.UIDMap = nil }, "UIDMap", "at least one"},
		{"zero count", func(c *Config) { c.UIDMap[0].Count = 0 }, "UIDMap[0].Count", "at least 1"},
		{"overflow", func(c *Config) { c.GIDMap[0] = IDMap{Inside: 1<<32 - 2, Outside: 1, Count: 5} }, "GIDMap[0]", "overflows"},
		{"overlap inside", func(c *Config) {
			c.UIDMap = []IDMap{{Inside: 0, Outside: 1000, Count: 10}, {Inside: 5, Outside: 2000, Count: 1}}
		}, "UIDMap[1]", "inside range"},
		{"overlap outside", func(c *Config) {
			c.UIDMap = []IDMap{{Inside: 0, Outside: 1000, Count: 10}, {Inside: 50, Outside: 1009, Count: 1}}
		}, "UIDMap[1]", "outside range"},
		{"relative chroot", func(c *Config) { c.Chroot = "jail" }, "Chroot", "absolute"},
		{"mounts without mntns", func(c *Config) { c.Namespaces.Mount = false }, "Mounts", "mount namespace"},
		{"empty dst", func(c *Config) { c.Mounts[0].Dst = "" }, "Mounts[0].Dst", "empty"},
		{"relative dst", func(c *Config) { c.Mounts[0].Dst = "usr" }, "Mounts[0].Dst", "absolute"},
		{"dotdot dst", func(c *Config) { c.Mounts[0].Dst = "/usr/../etc" }, "Mounts[0].Dst", "'..'"},
		{"bind without src", func(c *Config) { c.Mounts = []Mount{{Dst: "/x", Bind: true}} }, "Mounts[0].Src", "needs a source"},
		{"bind relative src", func(c *Config) { c.Mounts = []Mount{{Src: "x", Dst: "/x", Bind: true}} }, "Mounts[0].Src", "absolute"},
		{"bind with fstype", func(c *Config) { c.Mounts = []Mount{{Src: "/x", Dst: "/x", Bind: true, FSType: "tmpfs"}} }, "Mounts[0].FSType", "bind mount"},
		{"nothing", func(c *Config) { c.Mounts = []Mount{{Dst: "/x"}} }, "Mounts[0].FSType", "neither"},
		{"symlink without target", func(c *Config) { c.Mounts = []Mount{{Dst: "/x", Symlink: true}} }, "Mounts[0].Src", "target"},
		{"symlink and bind", func(c *Config) { c.Mounts = []Mount{{Src: "/a", Dst: "/x", Symlink: true, Bind: true}} }, "Mounts[0].Symlink", "neither"},
		{"content and src", func(c *Config) { c.Mounts = []Mount{{Src: "/a", SrcContent: []byte("x"), Dst: "/x", Bind: true}} }, "Mounts[0].SrcContent", "one of them"},
		{"proc without pidns", func(c *Config) { c.Namespaces.PID = false }, "Mounts[", "PID namespace"},
		{"mount proc without pidns", func(c *Config) { c.Namespaces.PID = false; c.Mounts = nil; c.MountProc = true }, "MountProc", "PID namespace"},
		{"bad resource", func(c *Config) { c.Rlimits = []Rlimit{{Resource: 16}} }, "Rlimits[0].Resource", "unknown resource"},
		{"dup resource", func(c *Config) { c.Rlimits = []Rlimit{{Resource: 1}, {Resource: 1}} }, "Rlimits[1].Resource", "also set"},
		{"soft above hard", func(c *Config) { c.Rlimits = []Rlimit{{Resource: 7, Soft: 10, Hard: 5}} }, "Rlimits[0].Soft", "above the hard"},
		{"swap -2", func(c *Config) { c.Cgroups.MemSwapMax = -2 }, "Cgroups.MemSwapMax", "-1"},
		{"memsw below mem", func(c *Config) { c.Cgroups.MemMemswMax = 1 }, "Cgroups.MemMemswMax", "below"},
		{"memsw without mem", func(c *Config) { c.Cgroups.MemMax = 0; c.Cgroups.MemMemswMax = 10 }, "Cgroups.MemMemswMax", "needs a memory limit"},
		{"v2 relative mount", func(c *Config) { c.Cgroups.UseV2 = true; c.Cgroups.V2Mount = "cg" }, "Cgroups.V2Mount", "absolute"},
		{"net_cls on v2", func(c *Config) { c.Cgroups.UseV2 = true; c.Cgroups.NetClsClassID = 1 }, "Cgroups.NetClsClassID", "v1"},
		{"v1 parent dotdot", func(c *Config) { c.Cgroups.V1PidsParent = "../x" }, "Cgroups.V1PidsParent", "relative"},
		{"v1 relative mount", func(c *Config) { c.Cgroups.V1MemMount = "memory" }, "Cgroups.V1MemMount", "absolute"},
		{"policy and file", func(c *Config) { c.Seccomp.Policy = "x"; c.Seccomp.PolicyFile = "p.kafel" }, "Seccomp.Policy", "one of them"},
		{"bad cap", func(c *Config) { c.Caps = []string{"CAP_SYS_ADMIN", "CAP_FLY"} }, "Caps[1]", "unknown capability"},
		{"nice", func(c *Config) { c.NiceLevel = 20 }, "NiceLevel", "-20..19"},
		{"oom", func(c *Config) { v := 1001; c.OOMScoreAdj = &v }, "OOMScoreAdj", "-1000..1000"},
		{"negative fd", func(c *Config) { c.PassFDs = []int{-1} }, "PassFDs[0]", "negative"},
		{"dup fd", func(c *Config) { c.PassFDs = []int{5, 5} }, "PassFDs[1]", "twice"},
		{"port range", func(c *Config) { c.Port = 70000 }, "Port", "not a TCP port"},
		{"listen without port", func(c *Config) { c.Mode = ModeListenTCP }, "Port", "needs a TCP port"},
		{"bad bindhost", func(c *Config) { c.Mode = ModeListenTCP; c.Port = 1; c.BindHost = "nowhere" }, "BindHost", "not an IP"},
		{"negative conns", func(c *Config) { c.MaxConnsPerIP = -1 }, "MaxConnsPerIP", "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.modify(c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate accepted %+v", c)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			found := false
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var fe *FieldError
				if errors.As(e, &fe) && strings.HasPrefix(fe.Field, tt.field) && strings.Contains(fe.Msg, tt.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("got errors:\n%v\nwant one on field %s containing %q", err, tt.field, tt.msg)
			}
		})
	}
}

func TestCapNumber(t *testing.T) {
	for name, want := range map[string]int{"CAP_CHOWN": 0, "CAP_SYS_ADMIN": 21, "CAP_BPF": 39, "CAP_CHECKPOINT_RESTORE": 40} {
		if got, ok := CapNumber(name); !ok || got != want {
			t.Errorf("CapNumber(%s) = %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := CapNumber("CAP_NOPE"); ok {
		t.Error("CapNumber accepted CAP_NOPE")
	}
}
