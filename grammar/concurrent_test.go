package grammar

import (
	"os"
	"sync"
	"testing"
)

// TestConcurrentParse checks that Parse may run in several goroutines at
// once (the participle parsers are shared); run with -race.
func TestConcurrentParse(t *testing.T) {
	src, err := os.ReadFile("testdata/diag/seed_restricted_io.kafel")
	if err != nil {
		t.Fatal(err)
	}
	want := string(Format(mustParse(t, src)))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				f, _ := Parse("seed_restricted_io.kafel", src, nil)
				if got := string(Format(f)); got != want {
					t.Errorf("concurrent parse differs:\n%s", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func mustParse(t *testing.T, src []byte) *File {
	t.Helper()
	f, diags := Parse("seed_restricted_io.kafel", src, nil)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	return f
}
