package feed

import "testing"

func TestAtomTextTypeIsRespected(t *testing.T) {
	t.Parallel()
	// As storywatch's own /hits.atom writes it: a title that is plain text
	// holding a literal tag, and one declared as HTML.
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:example.org,2025:f</id><title>t</title><updated>2025-11-26T07:00:00Z</updated>
  <entry>
    <id>tag:example.org,2025:1</id>
    <title type="text">&lt;script&gt;alert(1)&lt;/script&gt; Ushakov’s &amp; Witkoff’s call</title>
    <updated>2025-11-26T07:00:00Z</updated>
    <source><title type="html">&lt;b&gt;Wire&lt;/b&gt;</title></source>
    <summary type="text">call-leak (score 4): Witkoff — a &lt;b&gt;literal&lt;/b&gt; tag</summary>
  </entry>
  <entry>
    <id>tag:example.org,2025:2</id>
    <title type="html">&lt;b&gt;Dmitriev&lt;/b&gt; speaks &amp;amp; more</title>
    <updated>2025-11-26T07:00:00Z</updated>
    <content type="html">&lt;p&gt;Peace &lt;i&gt;plan&lt;/i&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:example.org,2025:3</id>
    <title>Undeclared &lt;b&gt;bold&lt;/b&gt;</title>
    <updated>2025-11-26T07:00:00Z</updated>
  </entry>
</feed>`
	f, err := Parse([]byte(doc), "application/atom+xml", "https://example.org/hits.atom")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 3 {
		t.Fatalf("%d items, want 3", len(f.Items))
	}
	for _, tt := range []struct{ field, got, want string }{
		{"type=text title", f.Items[0].Title, "<script>alert(1)</script> Ushakov’s & Witkoff’s call"},
		{"type=text summary", f.Items[0].Summary, "call-leak (score 4): Witkoff — a <b>literal</b> tag"},
		{"type=html title", f.Items[1].Title, "Dmitriev speaks & more"},
		{"type=html content", f.Items[1].Content, "Peace plan"},
		// Without a declared type, feeds put escaped markup in titles as
		// often as literal text: such titles are still read as HTML.
		{"undeclared title", f.Items[2].Title, "Undeclared bold"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.field, tt.got, tt.want)
		}
	}
}
