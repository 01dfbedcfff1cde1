package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
)

// tree is what the generator keeps from the kernel source tarball: the
// syscall tables, and every syscall definition found in the sources.
type tree struct {
	files map[string][]byte // wanted files by path below the top directory
	defs  map[string][]*def // definitions by entry point symbol (sys_read)
}

// wantedFile reports whether the file at p (relative to the tree's top
// directory) is kept whole.
func wantedFile(p string) bool {
	switch {
	case strings.HasSuffix(p, ".tbl") && !strings.HasPrefix(p, "tools/"):
		return true
	case p == "include/uapi/linux/audit.h", p == "arch/arm/include/uapi/asm/unistd.h":
		return true
	}
	return false
}

// scannedFile reports whether the file at p is searched for syscall
// definitions and prototypes.
func scannedFile(p string) bool {
	for _, skip := range []string{"tools/", "Documentation/", "samples/", "scripts/", "usr/"} {
		if strings.HasPrefix(p, skip) {
			return false
		}
	}
	if strings.HasSuffix(p, ".c") {
		return true
	}
	// Prototypes of entry points defined without SYSCALL_DEFINE (arch
	// assembly or asmlinkage functions) live in these headers.
	return strings.HasSuffix(p, "/syscalls.h") || strings.HasSuffix(p, "/syscalls_32.h") ||
		strings.HasSuffix(p, "/syscall.h") || strings.HasSuffix(p, "/unistd.h")
}

// errNoTarball is returned when the kernel source package is missing.
var errNoTarball = errors.New("kernel source tarball not found")

// readTree streams the tarball through xz and keeps what the tables need.
func readTree(tarball string) (*tree, error) {
	if _, err := os.Stat(tarball); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s (install it with: apt-get install %s)", errNoTarball, tarball, sourcePackage)
		}
		return nil, err
	}
	cmd := exec.Command("xz", "-dc", tarball)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("running xz (apt-get install xz-utils): %w", err)
	}
	t := &tree{files: map[string][]byte{}, defs: map[string][]*def{}}
	rerr := t.scan(tar.NewReader(out))
	if rerr != nil {
		_ = cmd.Process.Kill()
	}
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if rerr != nil {
		return nil, rerr
	}
	if werr != nil {
		return nil, fmt.Errorf("xz -dc %s: %v: %s", tarball, werr, stderr.String())
	}
	return t, nil
}

func (t *tree) scan(tr *tar.Reader) error {
	marker := []byte("sys_")
	define := []byte("_DEFINE")
	links := map[string]string{} // wanted symlinks (arm64's syscall_64.tbl) and their targets
	for {
		h, err := tr.Next()
		if err == io.EOF {
			for p, target := range links {
				data, ok := t.files[target]
				if !ok {
					return fmt.Errorf("%s links to %s, which is not in the tarball", p, target)
				}
				t.files[p] = data
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tarball: %w", err)
		}
		// Strip the top directory (linux-source-6.12/).
		p := h.Name
		if i := strings.IndexByte(p, '/'); i >= 0 {
			p = p[i+1:]
		}
		if h.Typeflag == tar.TypeSymlink && wantedFile(p) {
			links[p] = path.Join(path.Dir(p), h.Linkname)
			continue
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		keep, scanIt := wantedFile(p), scannedFile(p)
		if !keep && !scanIt {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		if keep {
			t.files[p] = data
		}
		if scanIt && (bytes.Contains(data, define) || bytes.Contains(data, marker)) {
			for _, d := range parseDefs(p, data) {
				t.defs[d.sym] = append(t.defs[d.sym], d)
			}
		}
	}
}

// fileHash returns the hex sha256 of the file at name.
func fileHash(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// packageVersion asks dpkg for the installed version of pkg.
func packageVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(out) == 0 {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// archDirOf returns the arch/<dir> a path lies under, or "".
func archDirOf(p string) string {
	if !strings.HasPrefix(p, "arch/") {
		return ""
	}
	rest := p[len("arch/"):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i]
	}
	return ""
}

// loadTree reads the tarball, or the cache file written by an earlier
// run when cache is set and exists.
func loadTree(tarball, cache string) (*tree, error) {
	if cache != "" {
		if f, err := os.Open(cache); err == nil {
			defer f.Close()
			var c treeCache
			if err := gob.NewDecoder(f).Decode(&c); err != nil {
				return nil, fmt.Errorf("cache %s: %w", cache, err)
			}
			return c.tree(), nil
		}
	}
	t, err := readTree(tarball)
	if err != nil || cache == "" {
		return t, err
	}
	f, err := os.Create(cache)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return t, gob.NewEncoder(f).Encode(newTreeCache(t))
}

// treeCache is the exported shape of a tree for gob.
type treeCache struct {
	Files map[string][]byte
	Defs  []defCache
}

type defCache struct {
	Sym, Name string
	File      string
	Line      int
	Kind      int
	Types     []string
	Names     []string
	Conds     []string
}

func newTreeCache(t *tree) *treeCache {
	c := &treeCache{Files: t.files}
	for _, ds := range t.defs {
		for _, d := range ds {
			dc := defCache{Sym: d.sym, Name: d.name, File: d.file, Line: d.line, Kind: int(d.kind), Conds: d.conds}
			for _, p := range d.params {
				dc.Types = append(dc.Types, p.typ)
				dc.Names = append(dc.Names, p.name)
			}
			c.Defs = append(c.Defs, dc)
		}
	}
	return c
}

func (c *treeCache) tree() *tree {
	t := &tree{files: c.Files, defs: map[string][]*def{}}
	for _, dc := range c.Defs {
		d := &def{sym: dc.Sym, name: dc.Name, file: dc.File, line: dc.Line, kind: defKind(dc.Kind), conds: dc.Conds}
		for i := range dc.Types {
			d.params = append(d.params, param{typ: dc.Types[i], name: dc.Names[i]})
		}
		t.defs[d.sym] = append(t.defs[d.sym], d)
	}
	for _, ds := range t.defs {
		sort.Slice(ds, func(i, j int) bool {
			if ds[i].file != ds[j].file {
				return ds[i].file < ds[j].file
			}
			return ds[i].line < ds[j].line
		})
	}
	return t
}
