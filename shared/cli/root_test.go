package cli_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/cli"
)

func TestEveryCommandHasAnExample(t *testing.T) {
	root := cli.NewRoot(&cli.Env{})
	cmds := root.Commands()
	for len(cmds) > 0 {
		c := cmds[0]
		cmds = append(cmds[1:], c.Commands()...)
		if c.Name() != "help" && c.Example == "" {
			t.Errorf("%s has no Example", c.CommandPath())
		}
	}
}
