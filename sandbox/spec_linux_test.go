package sandbox

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func sampleSpec() *jailSpec {
	c := DefaultConfig()
	c.Path, c.Argv = "/bin/sh", []string{"sh", "-c", "echo hi"}
	isDir, notDir := true, false
	c.Mounts = append(c.Mounts,
		Mount{Src: "/x", Dst: "/y", IsDir: &isDir, SrcContent: []byte{}},
		Mount{Src: "/f", Dst: "/g", IsDir: &notDir, NoExec: true})
	c.Caps = []string{"CAP_NET_RAW"}
	c.NiceLevel, c.MaxCPUs = -5, 3
	c.Personality.AddrNoRandomize = true
	c.PassFDs = []int{5, 9}
	s := newJailSpec(c)
	s.Path, s.Argv, s.Env = c.Path, c.Argv, c.Env
	s.Filter = []bpf.RawInstruction{{Op: 0x20, K: 4}, {Op: 0x15, Jt: 1, Jf: 2, K: 0xc000003e}, {Op: 0x06, K: 0x7fff0000}}
	s.Notify, s.SetGroups = true, true
	s.Gate = gateLayout{Addr: 0x123456789000, Size: 8192, ArgvOff: 0, EnvpOff: 32, PathOff: 72, MsgOff: 4168, ErrOff: 4424, DataOff: 4440, Notify: true}
	s.UID, s.GID = 1000, -1
	s.Unshare = unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME
	return s
}

func TestSpecRoundTrip(t *testing.T) {
	s := sampleSpec()
	got, err := decodeSpec(encodeSpec(s))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(s, got, cmp.AllowUnexported(jailSpec{})); d != "" {
		t.Errorf("round trip (-sent +received):\n%s", d)
	}
}

func TestSpecTruncated(t *testing.T) {
	b := encodeSpec(sampleSpec())
	for n := 0; n < len(b); n++ {
		if _, err := decodeSpec(b[:n]); err == nil {
			t.Fatalf("%d of %d bytes decoded without error", n, len(b))
		}
	}
}

func FuzzDecodeSpec(f *testing.F) {
	f.Add(encodeSpec(sampleSpec()))
	f.Add(encodeSpec(&jailSpec{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSpec(b)
		if err != nil {
			return
		}
		// What decodes must encode to something that decodes the same.
		s2, err := decodeSpec(encodeSpec(s))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if d := cmp.Diff(s, s2); d != "" {
			t.Fatalf("unstable:\n%s", d)
		}
	})
}

func BenchmarkDecodeSpec(b *testing.B) {
	data := encodeSpec(sampleSpec())
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := decodeSpec(data); err != nil {
			b.Fatal(err)
		}
	}
}
