package story

import "testing"

func TestSameReport(t *testing.T) {
	t.Parallel()
	const text = 0xF0F0_F0F0_F0F0_F0F0
	tests := []struct {
		name string
		a, b Fingerprint
		want bool
	}{
		{"same title", Fingerprint{Title: 7}, Fingerprint{Title: 7}, true},
		{"no title is never the same title", Fingerprint{}, Fingerprint{}, false},
		{"text within MaxDistance bits", Fingerprint{Text: text, HasText: true}, Fingerprint{Text: text ^ 0b111, HasText: true}, true},
		{"text one bit too far", Fingerprint{Text: text, HasText: true}, Fingerprint{Text: text ^ 0b1111, HasText: true}, false},
		{"text too short on one side", Fingerprint{Text: text, HasText: true}, Fingerprint{Text: text}, false},
		{"different titles, near text", Fingerprint{Title: 1, Text: text, HasText: true}, Fingerprint{Title: 2, Text: text ^ 1, HasText: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SameReport(tt.a, tt.b); got != tt.want {
				t.Errorf("SameReport(%+v, %+v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	t.Parallel()
	const text = 0x0123_4567_89AB_CDEF
	fp := Fingerprint{Text: text, HasText: true}
	tests := []struct {
		name  string
		fp    Fingerprint
		cands []Candidate
		want  int64
	}{
		{"none", fp, nil, 0},
		{"nearest wins over older", fp, []Candidate{{Story: 1, Text: text ^ 0b11}, {Story: 9, Text: text ^ 1}}, 9},
		{"tie goes to the oldest story", fp, []Candidate{{Story: 9, Text: text ^ 1}, {Story: 4, Text: text ^ 2}, {Story: 6, Text: text ^ 4}}, 4},
		{"exact copy", fp, []Candidate{{Story: 3, Text: text ^ 0b111}, {Story: 5, Text: text}}, 5},
		{"beyond MaxDistance is no story", fp, []Candidate{{Story: 2, Text: text ^ 0b1111}}, 0},
		{"no text matches nothing", Fingerprint{Text: text}, []Candidate{{Story: 2, Text: text}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Nearest(tt.fp, tt.cands); got != tt.want {
				t.Errorf("Nearest = %d, want %d", got, tt.want)
			}
		})
	}
}
