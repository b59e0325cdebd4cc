// k8s-check renders each kustomization given on the command line and validates every object
// it produces: first strictly against the Kubernetes API's Go types (unknown fields, wrong
// types and unregistered kinds are errors, as the API server would refuse them), then against
// the cross-object rules in semantic.go that no schema can express (a probe naming a port no
// container declares, a Service selecting no pod). One line per object; exit 1 if any failed.
//
//	k8s-check [-o rendered.yaml] DIR...
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	dump := flag.String("o", "", "also write the rendered YAML of the last DIR to this file")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: k8s-check [-o rendered.yaml] KUSTOMIZATION_DIR...")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}

	failed := 0
	for _, dir := range flag.Args() {
		objects, rendered, err := render(dir)
		if err != nil {
			// kustomize itself refused: nothing to validate, the whole target fails.
			fmt.Printf("%s: FAIL  kustomize build: %v\n", dir, err)
			failed++
			continue
		}
		if *dump != "" {
			if err := os.WriteFile(*dump, rendered, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		checkSemantics(objects)
		bad := 0
		for _, o := range objects {
			if len(o.errs) == 0 {
				fmt.Printf("%s: ok    %s\n", dir, o.id())
				continue
			}
			bad++
			fmt.Printf("%s: FAIL  %s: %s\n", dir, o.id(), strings.Join(o.errs, "; "))
		}
		if len(objects) == 0 {
			fmt.Printf("%s: FAIL  rendered no object\n", dir)
			bad++
		}
		fmt.Printf("%s: %d objects, %d invalid\n", dir, len(objects), bad)
		failed += bad
	}
	if failed > 0 {
		os.Exit(1)
	}
}
