package match

import "testing"

// The array look-up of transliteration holds every letter of the table: a
// letter added outside its range would otherwise be left untransliterated.
func TestTranslitRunesHoldTheWholeTable(t *testing.T) {
	t.Parallel()
	for r, lat := range translitTable {
		i := int(r - translitFirst)
		if i < 0 || i >= len(translitRunes) {
			t.Errorf("%q (U+%04X) is outside translitRunes [U+%04X, U+%04X)", r, r, translitFirst, translitFirst+len(translitRunes))
			continue
		}
		if got := translitRunes[i]; !got.ok || got.lat != lat {
			t.Errorf("translitRunes[%q] = %+v, want %q", r, got, lat)
		}
	}
	n := 0
	for _, e := range translitRunes {
		if e.ok {
			n++
		}
	}
	if n != len(translitTable) {
		t.Errorf("translitRunes holds %d letters, the table %d", n, len(translitTable))
	}
}
