package missive_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	missive "example.invalid/missive/bindings/go"
)

// Every integer type of the package (its enums) has a String method, so that values print by
// name: read from the package's own source, so that a new enum without one fails here.
func TestEveryEnumHasString(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	enums := map[string]bool{}
	stringers := map[string]bool{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.GenDecl:
					for _, s := range d.Specs {
						if ts, ok := s.(*ast.TypeSpec); ok {
							if id, ok := ts.Type.(*ast.Ident); ok && strings.Contains(id.Name, "int") {
								enums[ts.Name.Name] = true
							}
						}
					}
				case *ast.FuncDecl:
					if d.Recv != nil && d.Name.Name == "String" {
						if id, ok := d.Recv.List[0].Type.(*ast.Ident); ok {
							stringers[id.Name] = true
						}
					}
				}
			}
		}
	}
	if len(enums) < 15 {
		t.Fatalf("found only %d enum types: %v", len(enums), enums)
	}
	for e := range enums {
		if !stringers[e] {
			t.Errorf("enum type %s has no String method", e)
		}
	}
	for _, c := range []struct {
		got  string
		want string
	}{
		{missive.BulkFailed.String(), "BulkFailed"},
		{missive.SecuritySSLImplicit.String(), "SecuritySSLImplicit"},
		{missive.ResultAuthFailed.String(), "ResultAuthFailed"},
		{(missive.DSNSuccess | missive.DSNFailure).String(), "DSNSuccess|DSNFailure"},
		{missive.BulkStatus(99).String(), "BulkStatus(99)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// Every constant of a switch-based String method has its case: the Result codes grow with the
// C API, and a code missing from Result.String would print as Result(N). Read from the source.
func TestEveryResultConstantHasItsName(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string][]string{} // type -> constant names
	cases := map[string]bool{}      // names used in a case clause of any String method
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.GenDecl:
					if d.Tok != token.CONST {
						continue
					}
					for _, s := range d.Specs {
						vs := s.(*ast.ValueSpec)
						if id, ok := vs.Type.(*ast.Ident); ok {
							for _, n := range vs.Names {
								consts[id.Name] = append(consts[id.Name], n.Name)
							}
						}
					}
				case *ast.FuncDecl:
					if d.Recv == nil || d.Name.Name != "String" {
						continue
					}
					ast.Inspect(d, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok {
							cases[id.Name] = true
						}
						return true
					})
				}
			}
		}
	}
	if len(consts["Result"]) < 40 {
		t.Fatalf("found only %d Result constants", len(consts["Result"]))
	}
	for typ, names := range consts {
		for _, n := range names {
			if !cases[n] {
				t.Errorf("%s constant %s is not named by %s.String", typ, n, typ)
			}
		}
	}
}

// Failures match the standard errors a Go program checks for.
func TestStandardErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.eml")
	_, err := missive.LoadFile(missing)
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: %v is not fs.ErrNotExist", err)
	}
	// The C text, passed through: the path, once, and the OS's words without "(os error 2)".
	if !strings.Contains(err.Error(), "cannot open "+missing+": no such file or directory") ||
		strings.Contains(err.Error(), "os error") {
		t.Errorf("text: %v", err)
	}
	m := missive.NewMessage()
	defer m.Close()
	if err := m.AddAttachmentFile(missing, "", ""); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing attachment: %v", err)
	}

	// Each Result that has a standard counterpart matches it (and only that one).
	for r, target := range map[missive.Result]error{
		missive.ResultFileNotFound:     fs.ErrNotExist,
		missive.ResultPermissionDenied: os.ErrPermission,
		missive.ResultTimeout:          context.DeadlineExceeded,
		missive.ResultCancelled:        context.Canceled,
	} {
		if !errors.Is(&missive.Error{Code: r}, target) || errors.Is(&missive.Error{Code: missive.ResultIO}, target) {
			t.Errorf("%v and %v", r, target)
		}
	}
	if os.Geteuid() != 0 { // root reads anything
		locked := filepath.Join(t.TempDir(), "locked.eml")
		must(t, os.WriteFile(locked, []byte("Subject: x\r\n\r\nx\r\n"), 0o000))
		if _, err := missive.LoadFile(locked); !errors.Is(err, os.ErrPermission) {
			t.Errorf("an unreadable file: %v is not os.ErrPermission", err)
		}
	}

	// Nothing answers: a connect timeout is context.DeadlineExceeded, and a *SendError.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer silent.Close() // accepted by the kernel, never answered: no greeting
	port := silent.Addr().(*net.TCPAddr).Port
	c, err := missive.NewClient(missive.WithHost("127.0.0.1", uint16(port)),
		missive.WithSecurity(missive.SecurityNone),
		missive.WithTimeout(time.Second, 500*time.Millisecond))
	must(t, err)
	defer c.Close()
	msg := simple(t, "no greeting", "to@example.org")
	_, err = c.Send(context.Background(), msg)
	var se *missive.SendError
	if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || !se.Timeout() {
		t.Fatalf("no greeting: %v (%T) is not a timing-out *SendError", err, err)
	}
	if !strings.Contains(err.Error(), "the server sent no greeting within 0.5 s") {
		t.Errorf("text: %v", err)
	}
}

// A refused recipient: the C text passes through with the server's reply quoted once.
func TestRefusedRecipientText(t *testing.T) {
	c := client(t)
	_, err := c.Send(context.Background(), simple(t, "refused text", "reject-text@example.org"))
	var se *missive.SendError
	if !errors.As(err, &se) || !errors.Is(err, missive.ResultAllRecipientsRejected) {
		t.Fatalf("%v", err)
	}
	if n := strings.Count(se.Detail, "550 5.1.1"); n != 1 {
		t.Errorf("the reply appears %d times in %q", n, se.Detail)
	}
}

// Every exported function, method, type and variable has a doc comment (godoc is the Go
// binding's reference).
func TestEveryExportedNameIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Name.IsExported() && d.Doc == nil {
						t.Errorf("%s: %s has no doc comment", fset.Position(d.Pos()), d.Name.Name)
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
								t.Errorf("%s: type %s has no doc comment", fset.Position(s.Pos()), s.Name.Name)
							}
						case *ast.ValueSpec:
							if d.Tok == token.VAR && s.Names[0].IsExported() && d.Doc == nil && s.Doc == nil {
								t.Errorf("%s: var %s has no doc comment", fset.Position(s.Pos()), s.Names[0].Name)
							}
						}
					}
				}
			}
		}
	}
}
