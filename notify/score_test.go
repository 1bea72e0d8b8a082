package notify

import "testing"

func TestScoreTextSaysWhatTheScoreStandsFor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		score, terms int
		want         string
	}{
		{3, 2, "score 3 (2 terms, 1 in the title)"},
		{2, 2, "score 2 (2 terms)"},
		{4, 2, "score 4 (2 terms, all in the title)"},
		{2, 1, "score 2 (1 term, in the title)"},
		{1, 1, "score 1 (1 term)"},
		{2, 0, "score 2"},
		{9, 2, "score 9"},
	} {
		if got := scoreText(tt.score, tt.terms); got != tt.want {
			t.Errorf("scoreText(%d, %d) = %q, want %q", tt.score, tt.terms, got, tt.want)
		}
	}
}
