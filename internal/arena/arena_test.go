package arena

import "testing"

// TestChunks takes values across chunks, resets, and checks that the
// values handed out again are zero and come from the kept chunks.
func TestChunks(t *testing.T) {
	var c Chunks[[2]int]
	c.Recycle = true
	var got []*[2]int
	for i := range 100 {
		x := c.Take()
		if *x != ([2]int{}) {
			t.Fatalf("value %d not zero: %v", i, *x)
		}
		x[0], x[1] = i, -i
		got = append(got, x)
	}
	for i, x := range got {
		if x[0] != i || x[1] != -i {
			t.Fatalf("value %d became %v before Reset: chunks overlap", i, *x)
		}
	}
	c.Reset()
	kept := 0
	for _, ch := range c.Spare() {
		kept += len(ch)
		for i := range ch {
			if ch[i] != ([2]int{}) {
				t.Fatalf("a value kept by Reset is not zero: %v", ch[i])
			}
		}
	}
	if kept < 100 {
		t.Fatalf("Reset kept %d values' room, want at least the 100 handed out", kept)
	}
	if x := c.Take(); *x != ([2]int{}) {
		t.Errorf("value after Reset not zero: %v", *x)
	}
}

// TestChunksReserve: Reserve makes a chunk of the asked size current, at
// most MaxReserve; Take then fills it before allocating another.
func TestChunksReserve(t *testing.T) {
	var c Chunks[byte]
	c.Reserve(300)
	if c.Room() != 300 || c.Size() != 300 {
		t.Fatalf("after Reserve(300): room %d, size %d", c.Room(), c.Size())
	}
	for range 300 {
		c.Take()
	}
	if c.Room() != 0 {
		t.Fatalf("room %d after 300 takes", c.Room())
	}
	c.Take()
	if c.Size() != 600 {
		t.Errorf("next chunk of %d, want 600, twice the last", c.Size())
	}
	var big Chunks[byte]
	big.Reserve(MaxReserve + 10)
	if big.Room() != MaxReserve {
		t.Errorf("Reserve beyond MaxReserve gave %d", big.Room())
	}
}
