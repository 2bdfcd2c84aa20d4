package main

import (
	"strings"
	"testing"
)

// TestIsName: the check of every request's uid agrees with validName.
func TestIsName(t *testing.T) {
	cases := []string{
		"", "a", "Bob_1-x", strings.Repeat("z", 32), strings.Repeat("z", 33),
		"a b", "a\n", "\na", "é", "a.b", "a/b", "a%20", "ZZ09", "_", "-", "a\x00",
		"\xff", "tab\t", "x:y",
	}
	for _, s := range cases {
		if got, want := isName(s), validName.MatchString(s); got != want {
			t.Errorf("isName(%q) = %v, validName says %v", s, got, want)
		}
	}
}
