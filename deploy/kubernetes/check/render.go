package main

import (
	"fmt"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The kinds the API server knows (client-go's scheme: core, apps, batch, policy, networking,
// autoscaling, …) plus the prometheus-operator CRDs a ServiceMonitor belongs to.
var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(monitoringv1.AddToScheme(scheme))
}

// Strict: an unknown or duplicated field is an error, as `kubectl apply --validate=strict`
// and the API server's field validation make it, instead of being dropped silently.
var strictDecoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

// What a non-strict client would make of an invalid object. Only to index it, so a Service
// selecting a Deployment with one misspelled field is not reported as selecting nothing.
var lenientDecoder = serializer.NewCodecFactory(scheme).UniversalDeserializer()

// object is one rendered document with what was found wrong with it.
type object struct {
	kind, apiVersion, namespace, name string
	obj                               runtime.Object // nil when it did not decode strictly
	lenient                           runtime.Object // nil when it did not decode at all
	errs                              []string
}

func (o *object) id() string {
	ns := o.namespace
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s %s %s%s", o.apiVersion, o.kind, ns, o.name)
}

func (o *object) fail(format string, args ...any) {
	o.errs = append(o.errs, fmt.Sprintf(format, args...))
}

// render runs kustomize (the library `kustomize build` and `kubectl apply -k` use) on dir and
// decodes each resource. It returns the objects and the whole rendering as YAML.
func render(dir string) ([]*object, []byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, nil, err
	}
	rendered, err := resources.AsYaml()
	if err != nil {
		return nil, nil, err
	}
	var objects []*object
	for _, r := range resources.Resources() {
		o := &object{
			kind:       r.GetKind(),
			apiVersion: r.GetApiVersion(),
			namespace:  r.GetNamespace(),
			name:       r.GetName(),
		}
		doc, err := r.AsYAML()
		if err != nil {
			o.fail("%v", err)
		} else if o.obj, err = decodeStrict(doc); err != nil {
			o.fail("%v", err)
			o.lenient, _, _ = lenientDecoder.Decode(doc, nil, nil)
		} else {
			o.lenient = o.obj
		}
		objects = append(objects, o)
	}
	return objects, rendered, nil
}

func decodeStrict(doc []byte) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(doc, nil, nil)
	if err != nil {
		// A strict-decoding error still yields the object; it is invalid all the same.
		return nil, err
	}
	return obj, nil
}
