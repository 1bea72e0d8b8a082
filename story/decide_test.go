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
