// tilecheck — an independent client of envelog's C2SP tlog-tiles, built on
// Go's golang.org/x/mod/sumdb (Debian's golang-golang-x-mod-dev) and
// sharing no code with envelog:
//
//	tilecheck URL VKEY [LEAVES [OLD]]
//
// fetches URL/checkpoint, opens it as a signed note with the verifier key
// text VKEY (sumdb/note), reads hash tiles through tlog.TileHashReader
// (which authenticates every tile against the checkpoint's tree), checks
// that tlog.TreeHash over the tiles is the checkpoint's root, and proves
// the inclusion of LEAVES (default 20) random leaves, plus the first and
// the last, whose leaf data come from the entry bundles
// (RFC 6962 leaf hash of each uint16-length-prefixed entry).
// With OLD, a file holding an earlier checkpoint of the log (signed, as
// served), it also proves through the tiles that the current tree extends
// it (tlog.ProveTree, tlog.CheckTree).  Go's tile
// paths carry the height ("tile/8/L/N", "tile/8/data/N"); C2SP's do not
// ("tile/L/N", "tile/entries/N"): ReadTiles maps them.
//
// Prints "ok SIZE ROOT PROVED" and exits 0; any failure is one line on
// stderr and exit 1 (2 for usage).
package main

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type tiles struct {
	base    string
	fetched int
}

// c2spPath maps Go's tile path to C2SP's.
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/"+strconv.Itoa(height)+"/")
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return b, nil
}

func (r *tiles) Height() int { return height }

func (r *tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		b, err := get(r.base + "/" + c2spPath(t))
		if err != nil {
			return nil, err
		}
		if len(b) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", c2spPath(t), len(b), t.W*tlog.HashSize)
		}
		r.fetched++
		out[i] = b
	}
	return out, nil
}

func (r *tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// entry reads leaf i's data from its entry bundle in the tree of size n.
func entry(base string, i, n int64) ([]byte, error) {
	t := tlog.Tile{H: height, L: -1, N: i >> height, W: 1 << height}
	if rest := n - t.N<<height; rest < int64(t.W) {
		t.W = int(rest)
	}
	b, err := get(base + "/" + c2spPath(t))
	if err != nil {
		return nil, err
	}
	want := int(i - t.N<<height)
	for k := 0; k < t.W; k++ {
		if len(b) < 2 {
			return nil, fmt.Errorf("%s: truncated at entry %d", c2spPath(t), k)
		}
		l := int(b[0])<<8 | int(b[1])
		if len(b) < 2+l {
			return nil, fmt.Errorf("%s: truncated at entry %d", c2spPath(t), k)
		}
		if k == want {
			return b[2 : 2+l], nil
		}
		b = b[2+l:]
	}
	return nil, fmt.Errorf("%s: has no entry %d", c2spPath(t), want)
}

// openCheckpoint verifies a signed checkpoint with v; its size and root.
func openCheckpoint(raw []byte, v note.Verifier) (int64, tlog.Hash, string, error) {
	var root tlog.Hash
	n, err := note.Open(raw, note.VerifierList(v))
	if err != nil {
		return 0, root, "", fmt.Errorf("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return 0, root, "", fmt.Errorf("checkpoint: too few lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		return 0, root, "", fmt.Errorf("checkpoint: bad size %q", lines[1])
	}
	rb, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rb) != tlog.HashSize {
		return 0, root, "", fmt.Errorf("checkpoint: bad root %q", lines[2])
	}
	copy(root[:], rb)
	return size, root, lines[2], nil
}

func run(base, vkey string, leaves int, oldFile string) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	raw, err := get(base + "/checkpoint")
	if err != nil {
		return err
	}
	size, root, rootB64, err := openCheckpoint(raw, v)
	if err != nil {
		return err
	}
	tr := &tiles{base: base}
	hr := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, tr)
	// tlog's hash of the empty tree is zero; RFC 6962's is SHA-256("").
	th := tlog.Hash(sha256.Sum256(nil))
	if size > 0 {
		th, err = tlog.TreeHash(size, hr)
		if err != nil {
			return fmt.Errorf("tree hash over the tiles: %v", err)
		}
	}
	if th != root {
		return fmt.Errorf("tree hash over the tiles %v is not the checkpoint's %v", th, root)
	}
	proved := 0
	if size > 0 {
		rng := rand.New(rand.NewSource(time.Now().UnixNano()))
		idx := []int64{0, size - 1}
		for k := 0; k < leaves; k++ {
			idx = append(idx, rng.Int63n(size))
		}
		for _, i := range idx {
			data, err := entry(base, i, size)
			if err != nil {
				return err
			}
			p, err := tlog.ProveRecord(size, i, hr)
			if err != nil {
				return fmt.Errorf("proof of leaf %d: %v", i, err)
			}
			if err := tlog.CheckRecord(p, size, root, i, tlog.RecordHash(data)); err != nil {
				return fmt.Errorf("leaf %d: %v", i, err)
			}
			proved++
		}
	}
	if oldFile != "" {
		oraw, err := os.ReadFile(oldFile)
		if err != nil {
			return err
		}
		osize, oroot, _, err := openCheckpoint(oraw, v)
		if err != nil {
			return fmt.Errorf("old %v", err)
		}
		if osize > size {
			return fmt.Errorf("the old checkpoint (%d) is larger than the current one (%d)", osize, size)
		}
		if osize > 0 {
			p, err := tlog.ProveTree(size, osize, hr)
			if err != nil {
				return fmt.Errorf("consistency proof from %d: %v", osize, err)
			}
			if err := tlog.CheckTree(p, size, root, osize, oroot); err != nil {
				return fmt.Errorf("the tree of %d does not extend the old one of %d: %v", size, osize, err)
			}
		}
		fmt.Fprintf(os.Stderr, "tilecheck: the tree of %d extends the old checkpoint of %d\n", size, osize)
	}
	fmt.Printf("ok %d %s %d\n", size, rootB64, proved)
	return nil
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 5 {
		fmt.Fprintln(os.Stderr, "usage: tilecheck URL VKEY [LEAVES [OLD]]")
		os.Exit(2)
	}
	leaves := 20
	oldFile := ""
	if len(os.Args) == 5 {
		oldFile = os.Args[4]
	}
	if len(os.Args) >= 4 {
		k, err := strconv.Atoi(os.Args[3])
		if err != nil || k < 0 {
			fmt.Fprintln(os.Stderr, "tilecheck: LEAVES must be a number")
			os.Exit(2)
		}
		leaves = k
	}
	if err := run(strings.TrimSuffix(os.Args[1], "/"), os.Args[2], leaves, oldFile); err != nil {
		fmt.Fprintln(os.Stderr, "tilecheck:", err)
		os.Exit(1)
	}
}
