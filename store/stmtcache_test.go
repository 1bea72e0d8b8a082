package store

import "testing"

func TestPositional(t *testing.T) {
	t.Parallel()
	for q, want := range map[string]string{
		"INSERT INTO t (a, b) VALUES ($1, $2)":                "INSERT INTO t (a, b) VALUES (?, ?)",
		"SELECT 1 WHERE a = $1 OR b = $1":                     "SELECT 1 WHERE a = $1 OR b = $1",
		"SELECT 1 WHERE a = $2 AND b = $1":                    "SELECT 1 WHERE a = $2 AND b = $1",
		"SELECT 1 WHERE a = $1 AND b = $3":                    "SELECT 1 WHERE a = $1 AND b = $3",
		"SELECT 1 WHERE a = '$'":                              "SELECT 1 WHERE a = '$'",
		"SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11": "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?",
	} {
		if got := positional(q); got != want {
			t.Errorf("positional(%q) = %q, want %q", q, got, want)
		}
	}
}
