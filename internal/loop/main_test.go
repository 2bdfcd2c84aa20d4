package loop_test

import (
	"testing"

	"github.com/geventgo/gevent/internal/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }
