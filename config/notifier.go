package config

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

var notifierKinds = []string{"email", "webhook", "chat", "file"}

func (d *decoder) notifiers(f field, dir string, ids map[string]bool) []Notifier {
	var notifiers []Notifier
	where := map[string]string{}
	for i, n := range d.sequence(f) {
		p := index(f.path, i)
		fs, ok := d.entry(n, p, append([]string{"id"}, notifierKinds...)...)
		if !ok {
			continue
		}
		nt := Notifier{ID: d.required(fs, "id", resolve(n), p)}
		if idf, ok := fs["id"]; ok && nt.ID != "" {
			if err := checkID(nt.ID); err != nil {
				d.errorf(valueNode(idf), idf.path, "%v", err)
			} else if prev, dup := where[nt.ID]; dup {
				d.errorf(valueNode(idf), idf.path, "notifier id %q is already used by %s", nt.ID, prev)
			} else {
				where[nt.ID] = p
			}
			// A digest naming a notifier that is itself invalid should not
			// also be told that the notifier is unknown.
			ids[nt.ID] = true
		}

		// The kinds in the order they are written, so that the second one
		// is the one reported.
		var kinds []field
		m := resolve(n)
		for j := 0; j+1 < len(m.Content); j += 2 {
			if kf, ok := fs[m.Content[j].Value]; ok && kf.key == m.Content[j] && kf.key.Value != "id" {
				kinds = append(kinds, kf)
			}
		}
		if len(kinds) == 0 {
			d.errorf(m, p, "a notifier needs one of %s", strings.Join(notifierKinds, ", "))
		}
		for j, kf := range kinds {
			if j > 0 {
				d.errorf(kf.key, kf.path, "a notifier has exactly one kind, and this one already has %s (line %d)", kinds[0].key.Value, kinds[0].key.Line)
			}
			switch kf.key.Value {
			case "email":
				e := d.email(kf)
				if j == 0 {
					nt.Email = e
				}
			case "webhook":
				wh := d.webhook(kf)
				if j == 0 {
					nt.Webhook = wh
				}
			case "chat":
				c := d.chat(kf)
				if j == 0 {
					nt.Chat = c
				}
			case "file":
				fl := d.fileDir(kf, dir)
				if j == 0 {
					nt.File = fl
				}
			}
		}
		notifiers = append(notifiers, nt)
	}
	return notifiers
}

// kindNode is where to report a missing key of a notifier kind: the kind's
// mapping, or its key when the mapping is empty.
func kindNode(f field) *yaml.Node {
	if v := resolve(f.val); v != nil && v.Kind == yaml.MappingNode && len(v.Content) > 0 {
		return v
	}
	return f.key
}

func (d *decoder) email(f field) *Email {
	fs := d.mapping(f.val, f.path, "host", "port", "tls", "username", "password", "from", "to")
	at := kindNode(f)
	e := &Email{
		Host:     d.required(fs, "host", at, f.path),
		TLS:      "starttls",
		Password: d.str(fs, "password"),
		From:     d.required(fs, "from", at, f.path),
	}
	if tf, ok := fs["tls"]; ok {
		if s, ok := d.typed(tf); ok {
			switch s {
			case "starttls", "tls", "none":
				e.TLS = s
			default:
				d.errorf(valueNode(tf), tf.path, "expected starttls, tls or none, got %q", s)
			}
		}
	}
	username, usernameOK := "", true
	if uf, ok := fs["username"]; ok {
		username, usernameOK = d.scalar(uf)
	}
	e.Username = username
	defPort := map[string]int{"starttls": 587, "tls": 465, "none": 25}[e.TLS]
	e.Port = d.integer(fs, "port", defPort, 1, 65535)
	if e.Password != "" && e.Username == "" && usernameOK {
		pf := fs["password"]
		d.errorf(valueNode(pf), pf.path, "a password needs a username")
	}
	if ff, ok := fs["from"]; ok && strings.TrimSpace(e.From) != "" {
		if err := checkAddress(e.From); err != nil {
			d.errorf(valueNode(ff), ff.path, "%v", err)
		}
	}
	to := d.list(fs, "to")
	if len(to) == 0 {
		d.missingList(fs, "to", at, f.path, "at least one address is required")
	}
	for _, it := range to {
		if err := checkAddress(it.value); err != nil {
			d.errorf(it.node, it.path, "%v", err)
		}
	}
	e.To = values(to)
	return e
}

func (d *decoder) webhook(f field) *Webhook {
	fs := d.mapping(f.val, f.path, "url", "secret", "timeout")
	w := &Webhook{
		URL:     d.required(fs, "url", kindNode(f), f.path),
		Secret:  d.str(fs, "secret"),
		Timeout: d.duration(fs, "timeout", DefaultWebhookWait, 1),
	}
	if uf, ok := fs["url"]; ok && strings.TrimSpace(w.URL) != "" {
		if err := checkSecretURL(w.URL); err != nil {
			d.errorf(valueNode(uf), uf.path, "%v", err)
		}
	}
	return w
}

func (d *decoder) chat(f field) *Chat {
	fs := d.mapping(f.val, f.path, "url")
	c := &Chat{URL: d.required(fs, "url", kindNode(f), f.path)}
	if uf, ok := fs["url"]; ok && strings.TrimSpace(c.URL) != "" {
		if err := checkServiceURL(c.URL); err != nil {
			d.errorf(valueNode(uf), uf.path, "%v", err)
		}
	}
	return c
}

func (d *decoder) fileDir(f field, dir string) *File {
	fs := d.mapping(f.val, f.path, "dir")
	fl := &File{Dir: d.required(fs, "dir", kindNode(f), f.path)}
	if fl.Dir != "" {
		fl.Dir = absPath(dir, fl.Dir)
	}
	return fl
}
