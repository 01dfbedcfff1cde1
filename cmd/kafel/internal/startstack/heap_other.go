//go:build !linux

package startstack

func prefaultHeap() {}
