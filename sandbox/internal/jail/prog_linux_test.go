package jail

import (
	"bytes"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func sampleInput() *ProgInput {
	return &ProgInput{
		Spec: &Spec{
			User: true, Mount: true, Net: true, UTS: true, Hostname: "jail", Cwd: "/tmp", MountProc: true,
			Mounts: []Mount{
				{Src: "/usr", Dst: "/usr", Bind: true, Mandatory: true, NoSuid: true},
				{Src: "usr/bin", Dst: "/bin", Symlink: true, Mandatory: true},
				{SrcContent: []byte("root:x:0:0::/:/bin/sh\n"), Dst: "/etc/passwd", Mandatory: false},
				{Dst: "/tmp", FSType: "tmpfs", Options: "size=64m", RW: true, Mandatory: true},
			},
			Rlimits: []Rlimit{{Resource: unix.RLIMIT_NOFILE, Soft: 64, Hard: 128}},
			Path:    "python3", Argv: []string{"python3", "-c", "print(1)"}, Env: []string{"PATH=/usr/local/bin:/usr/bin"},
			Filter: true, Notify: true, UID: 1000, GID: 1000, SetGroups: true,
		},
		Sock: 3, Files: []int{10, 11, 12, 13}, Waits: true, SavedMask: 0x2000_0000_0000,
		Staging: "/tmp", FixedFD: 40, PermittedCaps: ^uint64(0) >> 23, SetPCap: true, LastCap: 40,
		IsDir: []bool{true, false, false, true}, SkipMount: make([]bool, 4),
	}
}

func opsOf(p *Prog) []Op {
	return unsafe.Slice((*Op)(unsafe.Pointer(&p.Region[p.OpsOff])), p.NumOps)
}

// cstring reads the NUL-terminated string at addr in p's region.
func cstring(t *testing.T, p *Prog, addr uint64) string {
	t.Helper()
	if addr < p.Base || addr >= p.Base+uint64(p.OpsOff) {
		t.Fatalf("address %#x outside the data of the region [%#x, %#x)", addr, p.Base, p.Base+uint64(p.OpsOff))
	}
	b := p.Region[addr-p.Base:]
	return string(b[:bytes.IndexByte(b, 0)])
}

// TestBuildLayout checks the shape of a built program: ops after the
// data, one description per op, the PATH search chained to one tail per
// place ending in execve of that place, and optional mounts jumping past
// themselves.
func TestBuildLayout(t *testing.T) {
	const base = 0x2000_0000_0000
	p, err := Build(sampleInput(), base)
	if err != nil {
		t.Fatal(err)
	}
	if p.OpsOff+p.NumOps*OpSize != len(p.Region) || len(p.Desc) != p.NumOps || p.OpsOff%8 != 0 {
		t.Fatalf("layout: ops at %d, %d ops, %d descriptions, region %d bytes", p.OpsOff, p.NumOps, len(p.Desc), len(p.Region))
	}
	ops := opsOf(p)
	want := []string{"/usr/local/bin/python3", "/usr/bin/python3"}
	if len(p.PathAddrs) != len(want) {
		t.Fatalf("%d places to look, want %d", len(p.PathAddrs), len(want))
	}
	var checks []int
	for i, o := range ops {
		if o.Nr == unix.SYS_FACCESSAT2 {
			checks = append(checks, i)
		}
		if o.OnFail != OpAbort && o.OnFail > uint64(p.NumOps) || o.Next > uint64(p.NumOps) {
			t.Errorf("op %d (%s) jumps out of the program: next %d, on failure %d", i, p.Desc[i].Op, o.Next, o.OnFail)
		}
	}
	if len(checks) != len(want) {
		t.Fatalf("%d PATH checks, want %d", len(checks), len(want))
	}
	for k, i := range checks {
		if got := cstring(t, p, ops[i].Args[1]); got != want[k] {
			t.Errorf("check %d looks at %q, want %q", k, got, want[k])
		}
		// The tail: the filter, the listener, execve of this place.
		tail := int(ops[i].Next)
		if ops[tail].Nr != unix.SYS_SECCOMP || ops[tail+1].Nr != unix.SYS_SENDMSG || ops[tail+2].Nr != unix.SYS_EXECVE {
			t.Errorf("tail of check %d: %d %d %d", k, ops[tail].Nr, ops[tail+1].Nr, ops[tail+2].Nr)
		}
		if ops[tail+2].Args != [6]uint64{p.PathAddrs[k], p.ArgvAddr, p.EnvpAddr} {
			t.Errorf("execve of place %d: args %#x", k, ops[tail+2].Args)
		}
		if ops[tail].Out != p.listenerFD() {
			t.Errorf("the filter's listener goes to %#x, not into the message", ops[tail].Out)
		}
	}
	if last := ops[checks[len(checks)-1]]; last.OnFail != uint64(checks[len(checks)-1]+1) || p.Desc[last.OnFail].Op != "exec" {
		t.Errorf("the last check does not fall to the not-found step")
	}
	// The optional mount: each of its ops jumps past it and is reported.
	var group []int
	for i, d := range p.Desc {
		if d.Optional != "" {
			group = append(group, i)
		}
	}
	if len(group) == 0 {
		t.Fatal("no op of the optional mount")
	}
	end := uint64(group[len(group)-1] + 1)
	for _, i := range group {
		if ops[i].OnFail != end || ops[i].Ctl&OpReport == 0 {
			t.Errorf("optional op %d (%s): on failure %d, want %d, ctl %#x", i, p.Desc[i].Op, ops[i].OnFail, end, ops[i].Ctl)
		}
	}
	argv := (*[4]uint64)(unsafe.Pointer(&p.Region[p.ArgvAddr-base]))
	if cstring(t, p, argv[0]) != "python3" || cstring(t, p, argv[2]) != "print(1)" || argv[3] != 0 {
		t.Errorf("argv in the region is wrong")
	}
}

// TestBuildPathWithSlash: a path with a slash is the only place, and its
// failure ends the program.
func TestBuildPathWithSlash(t *testing.T) {
	in := sampleInput()
	in.Spec.Path = "/usr/bin/python3"
	p, err := Build(in, 0x2000_0000_0000)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.PathAddrs) != 1 || cstring(t, p, p.PathAddrs[0]) != "/usr/bin/python3" {
		t.Fatalf("places %v", p.PathAddrs)
	}
	for i, o := range opsOf(p) {
		if o.Nr == unix.SYS_FACCESSAT2 && o.OnFail != OpAbort {
			t.Errorf("check %d goes on after a failure", i)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	in := sampleInput()
	in.Spec.Caps = []int{70}
	if _, err := Build(in, 0x2000_0000_0000); err == nil {
		t.Error("capability 70 accepted")
	}
	in = sampleInput()
	in.Spec.Path = string(bytes.Repeat([]byte("x"), PathMax))
	if _, err := Build(in, 0x2000_0000_0000); err == nil {
		t.Error("a path longer than PATH_MAX accepted")
	}
}

// FuzzDecodeProg: a program frame that does not fit its own bounds is an
// error, never a mapping that reads outside it.
func FuzzDecodeProg(f *testing.F) {
	p, err := Build(sampleInput(), 0x2000_0000_0000)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(EncodeProg(p))
	f.Add(EncodeProg(p)[:progHeaderSize])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, region, err := decodeProg(b)
		if err != nil {
			return
		}
		defer unix.MunmapPtr(unsafe.Pointer(&region[0]), uintptr(len(region)))
		body := uint64(len(b) - progHeaderSize)
		if h.OpsOff+h.NumOps*OpSize > body || h.FailOff+24 > body || h.ReportAddr-h.Base+ReportFrameSize > body {
			t.Fatalf("accepted a frame whose parts lie outside its %d bytes: %+v", body, h)
		}
		_ = opsOf(&Prog{Region: region, OpsOff: int(h.OpsOff), NumOps: int(h.NumOps)})
	})
}
