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
		Sock: 3, Files: []int{10, 11, 12, 13}, SavedMask: 0x2000_0000_0000,
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
	in.Spec.Cwd = "/tmp\x00/etc"
	if _, err := Build(in, 0x2000_0000_0000); err == nil {
		t.Error("a cwd with a NUL byte accepted (the kernel would see /tmp)")
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

// FuzzBuild builds programs from random specs and checks what the
// executors rely on: every jump lands on an op or is OpAbort, every
// address an op stores to or loads from lies in the region's data, and
// each place searched for the program is a NUL-terminated string there.
func FuzzBuild(f *testing.F) {
	f.Add("python3", "/usr/local/bin:/usr/bin", "/usr", "/opt/x", "size=1m", uint8(3), true, false)
	f.Add("/bin/sh", "", "", "/", "", uint8(0), false, true)
	f.Add("a", ":::", "/a/../b", "//c/./d/", "x=y,z", uint8(255), true, true)
	f.Fuzz(func(t *testing.T, path, pathVar, src, dst, opts string, n uint8, optional, rw bool) {
		in := sampleInput()
		s := in.Spec
		s.Path = path
		s.Env = []string{"PATH=" + pathVar}
		s.RW = rw
		for i := 0; i < int(n%6); i++ {
			s.Mounts = append(s.Mounts,
				Mount{Src: src, Dst: dst, Bind: i%2 == 0, Mandatory: !optional, RW: rw},
				Mount{Dst: dst + "/t", FSType: "tmpfs", Options: opts, Mandatory: !optional},
				Mount{Src: src, Dst: dst + "/l", Symlink: true, Mandatory: !optional},
				Mount{SrcContent: []byte(opts), Dst: dst + "/f", Mandatory: !optional, RW: rw})
		}
		in.IsDir = make([]bool, len(s.Mounts))
		in.SkipMount = make([]bool, len(s.Mounts))
		const base = 0x2000_0000_0000
		p, err := Build(in, base)
		if err != nil {
			return // a path too long for PATH_MAX, say: an error, not a program
		}
		ops := opsOf(p)
		data := func(a uint64) bool { return a >= base && a+8 <= base+uint64(p.OpsOff) }
		for i, o := range ops {
			if o.Next > uint64(len(ops)) || o.OnFail != OpAbort && o.OnFail > uint64(len(ops)) {
				t.Fatalf("op %d (%s) jumps to %d / %d of %d", i, p.Desc[i].Op, o.Next, o.OnFail, len(ops))
			}
			if o.Ctl&OpStore != 0 && !data(o.Out) {
				t.Fatalf("op %d (%s) stores at %#x, outside the data", i, p.Desc[i].Op, o.Out)
			}
			for k := 0; k < 6; k++ {
				if o.Ctl&(OpIndirect0<<k) != 0 && !data(o.Args[k]) {
					t.Fatalf("op %d (%s) loads arg %d from %#x, outside the data", i, p.Desc[i].Op, k, o.Args[k])
				}
			}
		}
		if len(p.PathAddrs) == 0 {
			t.Fatal("no place to look for the program")
		}
		for _, a := range p.PathAddrs {
			cstring(t, p, a)
		}
	})
}
