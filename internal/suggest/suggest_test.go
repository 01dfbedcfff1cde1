package suggest

import (
	"reflect"
	"testing"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"write", "write", 0},
		{"wrtie", "write", 1}, // adjacent swap
		{"uname", "newuname", 3},
		{"kitten", "sitting", 3},
		{"openat", "opnat", 1},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
	long := string(make([]byte, 300))
	if got := Distance(long, "a"); got < 1<<20 {
		t.Errorf("Distance of a 300-byte name = %d, want it treated as far", got)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"read", "write", "openat", "newuname", "readv", "writev"}
	tests := []struct{ name, want string }{
		{"wrte", "write"},
		{"opneat", "openat"},
		{"read", "readv"}, // never the name itself
		{"xyz", ""},
		{"uname", ""}, // 3 edits is too far for a 5-byte name, containment aside
	}
	for _, tt := range tests {
		if got := Closest(tt.name, names); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNear(t *testing.T) {
	names := []string{"openat", "openat2", "open", "open_tree", "close"}
	got := Near("opena", names, 2, 3)
	want := []string{"open", "openat", "openat2"} // ties go alphabetically
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Near = %v, want %v", got, want)
	}
	if got := Near("open", names, 1, 10); !reflect.DeepEqual(got, []string{"open_tree", "openat", "openat2"}) {
		t.Errorf("Near with containment = %v", got)
	}
}
