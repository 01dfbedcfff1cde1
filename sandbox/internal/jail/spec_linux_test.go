package jail

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func sampleSpec() *Spec {
	isDir, notDir := true, false
	return &Spec{
		User: true, Mount: true, Net: true, UTS: true,
		Hostname: "jail", Cwd: "/tmp", Chroot: "",
		MountProc: true,
		Mounts: []Mount{
			{Src: "/usr", Dst: "/usr", Bind: true, Mandatory: true, NoSuid: true, NoDev: true},
			{Src: "usr/bin", Dst: "/bin", Symlink: true},
			{SrcContent: []byte("root:x:0:0::/:/bin/sh\n"), Dst: "/etc/passwd", Bind: true},
			{Src: "/x", Dst: "/y", IsDir: &isDir, SrcContent: []byte{}},
			{Src: "/f", Dst: "/g", IsDir: &notDir, NoExec: true},
			{Dst: "/tmp", FSType: "tmpfs", Options: "size=64m", RW: true},
		},
		Rlimits:     []Rlimit{{Resource: unix.RLIMIT_NOFILE, Soft: 64, Hard: 128}, {Resource: unix.RLIMIT_AS, Soft: ^uint64(0), Hard: ^uint64(0)}},
		Caps:        []int{unix.CAP_NET_RAW},
		NiceLevel:   -5,
		MaxCPUs:     3,
		Personality: Personality{AddrNoRandomize: true},
		Path:        "/bin/sh",
		Argv:        []string{"sh", "-c", "echo hi"},
		Env:         []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"},
		Filter:      []unix.SockFilter{{Code: 0x20, K: 4}, {Code: 0x15, Jt: 1, Jf: 2, K: 0xc000003e}, {Code: 0x06, K: 0x7fff0000}},
		Notify:      true, SetGroups: true, FilterFollows: true, CgroupFollows: true,
		Gate:    GateLayout{Addr: 0x123456789000, Size: 8192, ArgvOff: 0, EnvpOff: 32, PathOff: 72, MsgOff: 4168, ErrOff: 4424, DataOff: 4440, Notify: true},
		UID:     1000,
		GID:     -1,
		Unshare: unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME,
		PassFDs: []int{5, 9},
	}
}

func TestSpecRoundTrip(t *testing.T) {
	s := sampleSpec()
	got, err := DecodeSpec(EncodeSpec(s))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got); d != "" {
		t.Errorf("round trip (-sent +received):\n%s", d)
	}
}

func TestSpecTruncated(t *testing.T) {
	b := EncodeSpec(sampleSpec())
	for n := 0; n < len(b); n++ {
		if _, err := DecodeSpec(b[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without error", n, len(b))
		}
	}
	if _, err := DecodeSpec(append(b, 0)); err == nil {
		t.Fatal("a trailing byte was accepted")
	}
}

func FuzzDecodeSpec(f *testing.F) {
	f.Add(EncodeSpec(sampleSpec()))
	f.Add(EncodeSpec(&Spec{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSpec(b)
		if err != nil {
			return
		}
		// What decodes must encode to something that decodes the same.
		s2, err := DecodeSpec(EncodeSpec(s))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if d := cmp.Diff(s, s2); d != "" {
			t.Fatalf("unstable:\n%s", d)
		}
	})
}

func BenchmarkDecodeSpec(b *testing.B) {
	data := EncodeSpec(sampleSpec())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeSpec(data); err != nil {
			b.Fatal(err)
		}
	}
}
