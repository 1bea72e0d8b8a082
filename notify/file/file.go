package file

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/storywatch/storywatch/notify"
)

// Options configure a Sender.
type Options struct {
	// NotifierID names the notifier in errors.
	NotifierID string
	// Dir is the folder the files are written into, created if missing.
	Dir string
}

// Sender writes each digest into a folder as <digest>-<timestamp>-<suffix>.txt,
// .html and .json (Rendered.BaseName: the suffix is the digest id's random
// end, so two digests of one second keep their own files), with the charts
// beside the HTML. Each file is written to a temporary name and renamed, so
// a reader never sees half a file.
type Sender struct {
	id  string
	dir string
}

var (
	_ notify.Sender    = (*Sender)(nil)
	_ notify.Timeouter = (*Sender)(nil)
)

// New returns a Sender writing into opts.Dir.
func New(opts Options) (*Sender, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("file %s: no dir", opts.NotifierID)
	}
	return &Sender{id: opts.NotifierID, dir: opts.Dir}, nil
}

// SendTimeout returns how long one send may take.
func (f *Sender) SendTimeout() time.Duration { return 30 * time.Second }

// Send writes r's files. Writing the same digest again replaces its files
// with identical ones.
func (f *Sender) Send(ctx context.Context, r *notify.Rendered) error {
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("file %s: %w", f.id, err)
	}
	base := r.BaseName()
	files := []struct {
		name string
		data []byte
	}{}
	// Charts first, so that the HTML never points at a missing image.
	for _, img := range r.Images {
		files = append(files, struct {
			name string
			data []byte
		}{img.Filename, img.PNG})
	}
	files = append(files, []struct {
		name string
		data []byte
	}{
		{base + ".txt", []byte(r.Text)},
		{base + ".json", r.JSON},
		{base + ".html", []byte(r.FileHTML)},
	}...)
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("file %s: %w", f.id, err)
		}
		if err := writeAtomic(filepath.Join(f.dir, file.name), file.data); err != nil {
			return fmt.Errorf("file %s: %w", f.id, err)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
