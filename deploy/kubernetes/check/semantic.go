package main

// Rules across objects, and the few inside one that the Go types cannot express. Each is a
// mistake the API server would accept and the cluster would then show only as a pod that
// never gets ready, a Service without endpoints, a target Prometheus never scrapes or a drain
// that hangs.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Kinds that live outside namespaces; every other kind must have one after rendering.
var clusterScoped = map[string]bool{
	"Namespace": true, "ClusterRole": true, "ClusterRoleBinding": true, "PersistentVolume": true,
	"StorageClass": true, "PriorityClass": true, "CustomResourceDefinition": true,
	"IngressClass": true, "ValidatingWebhookConfiguration": true,
	"MutatingWebhookConfiguration": true,
}

// A Deployment's pods, as the objects that select pods see them.
type workload struct {
	namespace, name string
	replicas        int32
	pod             *corev1.PodTemplateSpec
}

type nsName struct{ namespace, name string }

type index struct {
	workloads []workload
	// Namespaces with a Deployment that did not decode at all: selecting nothing there may
	// only be a consequence.
	undecoded  map[string]bool
	services   []*corev1.Service
	configMaps map[nsName][]string // keys
	secrets    map[nsName][]string
}

func checkSemantics(objects []*object) {
	ix := index{
		undecoded:  map[string]bool{},
		configMaps: map[nsName][]string{},
		secrets:    map[nsName][]string{},
	}
	for _, o := range objects {
		if o.lenient == nil && o.kind == "Deployment" {
			ix.undecoded[o.namespace] = true
		}
		switch v := o.lenient.(type) {
		case *appsv1.Deployment:
			replicas := int32(1)
			if v.Spec.Replicas != nil {
				replicas = *v.Spec.Replicas
			}
			ix.workloads = append(ix.workloads, workload{v.Namespace, v.Name, replicas, &v.Spec.Template})
		case *corev1.Service:
			ix.services = append(ix.services, v)
		case *corev1.ConfigMap:
			ix.configMaps[nsName{v.Namespace, v.Name}] = append(keys(v.Data), keys(v.BinaryData)...)
		case *corev1.Secret:
			ix.secrets[nsName{v.Namespace, v.Name}] = append(keys(v.Data), keys(v.StringData)...)
		}
	}
	for _, o := range objects {
		if o.obj == nil {
			continue
		}
		checkMetadata(o)
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			checkDeployment(o, v, &ix)
		case *batchv1.Job:
			checkPod(o, v.Namespace, &v.Spec.Template, false, &ix)
			if p := v.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
				o.fail("a Job's restartPolicy must be Never or OnFailure, not %q", p)
			}
		case *corev1.Service:
			checkService(o, v, &ix)
		case *policyv1.PodDisruptionBudget:
			checkPDB(o, v, &ix)
		case *networkingv1.NetworkPolicy:
			checkNetworkPolicy(o, v, &ix)
		case *monitoringv1.ServiceMonitor:
			checkServiceMonitor(o, v, &ix)
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := v.Spec.ScaleTargetRef
			if ref.Kind == "Deployment" && ix.workload(v.Namespace, ref.Name) == nil {
				o.fail("scaleTargetRef: no Deployment %s/%s", v.Namespace, ref.Name)
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (ix *index) workload(namespace, name string) *workload {
	for i := range ix.workloads {
		if w := &ix.workloads[i]; w.namespace == namespace && w.name == name {
			return w
		}
	}
	return nil
}

// selected returns the workloads in namespace whose pod labels the selector matches.
func (ix *index) selected(namespace string, selector labels.Selector) []*workload {
	var out []*workload
	for i := range ix.workloads {
		w := &ix.workloads[i]
		if w.namespace == namespace && selector.Matches(labels.Set(w.pod.Labels)) {
			out = append(out, w)
		}
	}
	return out
}

func (ix *index) selectedBy(o *object, namespace string, ls *metav1.LabelSelector, what string) []*workload {
	selector, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		o.fail("%s: %v", what, err)
		return nil
	}
	found := ix.selected(namespace, selector)
	if len(found) == 0 {
		o.fail("%s %s matches no Deployment's pods in namespace %q%s", what, selector, namespace, ix.hint(namespace))
	}
	return found
}

func (ix *index) hint(namespace string) string {
	if ix.undecoded[namespace] {
		return " (or the one it should match did not decode: see its line)"
	}
	return ""
}

func checkMetadata(o *object) {
	m, err := meta.Accessor(o.obj)
	if err != nil {
		o.fail("%v", err)
		return
	}
	for _, e := range validation.IsDNS1123Subdomain(m.GetName()) {
		o.fail("metadata.name %q: %s", m.GetName(), e)
	}
	if !clusterScoped[o.kind] && m.GetNamespace() == "" {
		o.fail("no namespace: set one in the kustomization")
	}
	checkLabels(o, "metadata.labels", m.GetLabels())
}

func checkLabels(o *object, where string, set map[string]string) {
	for k, v := range set {
		for _, e := range validation.IsQualifiedName(k) {
			o.fail("%s key %q: %s", where, k, e)
		}
		for _, e := range validation.IsValidLabelValue(v) {
			o.fail("%s %s=%q: %s", where, k, v, e)
		}
	}
}

func checkDeployment(o *object, d *appsv1.Deployment, ix *index) {
	if d.Spec.Replicas != nil && *d.Spec.Replicas < 1 {
		o.fail("replicas %d: at least 1", *d.Spec.Replicas)
	}
	if d.Spec.Selector == nil {
		o.fail("spec.selector is required")
	} else if selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		o.fail("spec.selector: %v", err)
	} else if selector.Empty() || !selector.Matches(labels.Set(d.Spec.Template.Labels)) {
		o.fail("spec.selector %s does not match the pod template's labels", selector)
	}
	if p := d.Spec.Template.Spec.RestartPolicy; p != "" && p != corev1.RestartPolicyAlways {
		o.fail("a Deployment's restartPolicy must be Always, not %q", p)
	}
	checkPod(o, d.Namespace, &d.Spec.Template, true, ix)
}

// checkPod: named ports, probes on declared ports, resources, a locked-down security
// context, env and volumes that point at objects of this rendering, scrape annotations.
func checkPod(o *object, namespace string, t *corev1.PodTemplateSpec, longRunning bool, ix *index) {
	checkLabels(o, "pod labels", t.Labels)
	spec := &t.Spec
	if len(spec.Containers) == 0 {
		o.fail("pod has no containers")
	}
	podNonRoot := spec.SecurityContext != nil && isTrue(spec.SecurityContext.RunAsNonRoot)
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.ConfigMap != nil && !isTrue(v.ConfigMap.Optional) {
			if _, ok := ix.configMaps[nsName{namespace, v.ConfigMap.Name}]; !ok {
				o.fail("volume %s: no ConfigMap %s", v.Name, v.ConfigMap.Name)
			}
		}
		if v.Secret != nil && !isTrue(v.Secret.Optional) {
			if _, ok := ix.secrets[nsName{namespace, v.Secret.SecretName}]; !ok {
				o.fail("volume %s: no Secret %s", v.Name, v.Secret.SecretName)
			}
		}
	}
	portNames := map[string]bool{}
	all := append(slices.Clone(spec.InitContainers), spec.Containers...)
	for i := range all {
		c := &all[i]
		where := "container " + c.Name
		if c.Image == "" {
			o.fail("%s: no image", where)
		}
		for _, p := range c.Ports {
			if p.Name == "" {
				o.fail("%s: port %d has no name", where, p.ContainerPort)
			}
			for _, e := range validation.IsValidPortName(p.Name) {
				o.fail("%s: port name %q: %s", where, p.Name, e)
			}
			if portNames[p.Name] {
				o.fail("%s: port name %q used twice in the pod", where, p.Name)
			}
			portNames[p.Name] = true
			for _, e := range validation.IsValidPortNum(int(p.ContainerPort)) {
				o.fail("%s: containerPort %d: %s", where, p.ContainerPort, e)
			}
		}
		checkResources(o, where, c.Resources)
		checkSecurity(o, where, c.SecurityContext, podNonRoot)
		checkEnv(o, where, namespace, c, ix)
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				o.fail("%s: volumeMount %s names no volume of the pod", where, m.Name)
			}
		}
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		where := "container " + c.Name
		if longRunning {
			// The apps answer /healthz (the process is alive) and /readyz (its dependencies
			// answer) on their HTTP port: mixing them up restarts pods for a database outage.
			checkProbe(o, where, "livenessProbe", c, c.LivenessProbe, "/healthz")
			checkProbe(o, where, "readinessProbe", c, c.ReadinessProbe, "/readyz")
		}
		if c.StartupProbe != nil {
			checkProbe(o, where, "startupProbe", c, c.StartupProbe, "")
		}
	}
	checkScrapeAnnotations(o, t.Annotations, spec.Containers)
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func checkResources(o *object, where string, r corev1.ResourceRequirements) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := r.Requests[name]
		limit, hasLimit := r.Limits[name]
		if !hasReq {
			o.fail("%s: no %s request", where, name)
		}
		if name == corev1.ResourceMemory && !hasLimit {
			o.fail("%s: no memory limit", where)
		}
		if hasReq && hasLimit && req.Cmp(limit) > 0 {
			o.fail("%s: %s request %s above its limit %s", where, name, req.String(), limit.String())
		}
	}
}

func checkSecurity(o *object, where string, sc *corev1.SecurityContext, podNonRoot bool) {
	if sc == nil {
		o.fail("%s: no securityContext", where)
		return
	}
	if !podNonRoot && !isTrue(sc.RunAsNonRoot) {
		o.fail("%s: runAsNonRoot is not set (pod or container)", where)
	}
	if !isFalse(sc.AllowPrivilegeEscalation) {
		o.fail("%s: allowPrivilegeEscalation must be false", where)
	}
	if !isTrue(sc.ReadOnlyRootFilesystem) {
		o.fail("%s: readOnlyRootFilesystem must be true (mount an emptyDir where it writes)", where)
	}
	if sc.Privileged != nil && *sc.Privileged {
		o.fail("%s: privileged", where)
	}
}

func checkEnv(o *object, where, namespace string, c *corev1.Container, ix *index) {
	has := func(m map[nsName][]string, name, key string) (found, hasKey bool) {
		ks, ok := m[nsName{namespace, name}]
		return ok, ok && (key == "" || slices.Contains(ks, key))
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			continue
		}
		if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !isTrue(r.Optional) {
			if found, hasKey := has(ix.configMaps, r.Name, r.Key); !found {
				o.fail("%s: env %s: no ConfigMap %s", where, e.Name, r.Name)
			} else if !hasKey {
				o.fail("%s: env %s: ConfigMap %s has no key %s", where, e.Name, r.Name, r.Key)
			}
		}
		if r := e.ValueFrom.SecretKeyRef; r != nil && !isTrue(r.Optional) {
			if found, hasKey := has(ix.secrets, r.Name, r.Key); !found {
				o.fail("%s: env %s: no Secret %s", where, e.Name, r.Name)
			} else if !hasKey {
				o.fail("%s: env %s: Secret %s has no key %s", where, e.Name, r.Name, r.Key)
			}
		}
	}
	for _, from := range c.EnvFrom {
		if r := from.ConfigMapRef; r != nil && !isTrue(r.Optional) {
			if found, _ := has(ix.configMaps, r.Name, ""); !found {
				o.fail("%s: envFrom: no ConfigMap %s", where, r.Name)
			}
		}
		if r := from.SecretRef; r != nil && !isTrue(r.Optional) {
			if found, _ := has(ix.secrets, r.Name, ""); !found {
				o.fail("%s: envFrom: no Secret %s", where, r.Name)
			}
		}
	}
}

// containerHasPort: a probe or Service may name a port or give its number; either must be
// one the container declares.
func containerHasPort(c *corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) ||
			(port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

func checkProbe(o *object, where, kind string, c *corev1.Container, p *corev1.Probe, wantPath string) {
	if p == nil {
		if wantPath != "" {
			o.fail("%s: no %s", where, kind)
		}
		return
	}
	var port intstr.IntOrString
	switch {
	case p.HTTPGet != nil:
		port = p.HTTPGet.Port
		if wantPath != "" && p.HTTPGet.Path != wantPath {
			o.fail("%s: %s asks %q, the apps answer it on %q", where, kind, p.HTTPGet.Path, wantPath)
		}
	case p.TCPSocket != nil:
		port = p.TCPSocket.Port
	case p.GRPC != nil:
		port = intstr.FromInt32(p.GRPC.Port)
	default:
		return // exec probes name no port
	}
	if !containerHasPort(c, port) {
		o.fail("%s: %s port %s is not a port the container declares", where, kind, port.String())
	}
}

func checkScrapeAnnotations(o *object, annotations map[string]string, containers []corev1.Container) {
	if annotations["prometheus.io/scrape"] != "true" {
		return
	}
	raw, ok := annotations["prometheus.io/port"]
	if !ok {
		o.fail("prometheus.io/scrape without prometheus.io/port")
		return
	}
	port, err := strconv.Atoi(raw)
	if err != nil {
		o.fail("prometheus.io/port %q is not a number", raw)
		return
	}
	declared := false
	for i := range containers {
		declared = declared || containerHasPort(&containers[i], intstr.FromInt(port))
	}
	if !declared {
		o.fail("prometheus.io/port %d is not a port any container declares", port)
	}
	if path, ok := annotations["prometheus.io/path"]; ok && !strings.HasPrefix(path, "/") {
		o.fail("prometheus.io/path %q must start with /", path)
	}
}

func checkService(o *object, s *corev1.Service, ix *index) {
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return
	}
	if len(s.Spec.Selector) == 0 {
		o.fail("no selector: the Service would have no endpoints")
		return
	}
	pods := ix.selected(s.Namespace, labels.SelectorFromSet(s.Spec.Selector))
	if len(pods) == 0 {
		o.fail("selector %v matches no Deployment's pods in namespace %q%s", s.Spec.Selector, s.Namespace, ix.hint(s.Namespace))
	}
	for _, p := range s.Spec.Ports {
		if len(s.Spec.Ports) > 1 && p.Name == "" {
			o.fail("port %d needs a name (the Service has several)", p.Port)
		}
		target := p.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(p.Port)
		}
		for _, w := range pods {
			if !podHasPort(w.pod, target) {
				o.fail("port %s: targetPort %s is not declared by the pods of Deployment %s", p.Name, target.String(), w.name)
			}
		}
	}
}

func podHasPort(t *corev1.PodTemplateSpec, port intstr.IntOrString) bool {
	for i := range t.Spec.Containers {
		if containerHasPort(&t.Spec.Containers[i], port) {
			return true
		}
	}
	return false
}

func checkPDB(o *object, p *policyv1.PodDisruptionBudget, ix *index) {
	if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
		o.fail("neither minAvailable nor maxUnavailable")
	}
	for _, w := range ix.selectedBy(o, p.Namespace, p.Spec.Selector, "selector") {
		// A budget the Deployment can never satisfy blocks every drain of its nodes.
		if m := p.Spec.MinAvailable; m != nil && m.Type == intstr.Int && m.IntVal >= w.replicas {
			o.fail("minAvailable %d with %d replica(s) of %s: no pod could ever be evicted", m.IntVal, w.replicas, w.name)
		}
		if m := p.Spec.MaxUnavailable; m != nil && m.Type == intstr.Int && m.IntVal < 1 {
			o.fail("maxUnavailable 0: no pod of %s could ever be evicted", w.name)
		}
	}
}

func checkNetworkPolicy(o *object, n *networkingv1.NetworkPolicy, ix *index) {
	targets := ix.selectedBy(o, n.Namespace, &n.Spec.PodSelector, "podSelector")
	for i, rule := range n.Spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port == nil {
				continue
			}
			for _, w := range targets {
				if !podHasPort(w.pod, *p.Port) {
					o.fail("ingress[%d]: port %s is not declared by the pods of %s", i, p.Port.String(), w.name)
				}
			}
		}
		for j, peer := range rule.From {
			// A pod selector without a namespace selector means pods of this namespace.
			if peer.PodSelector != nil && peer.NamespaceSelector == nil {
				ix.selectedBy(o, n.Namespace, peer.PodSelector, fmt.Sprintf("ingress[%d].from[%d].podSelector", i, j))
			}
		}
	}
}

func checkServiceMonitor(o *object, m *monitoringv1.ServiceMonitor, ix *index) {
	selector, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
	if err != nil {
		o.fail("selector: %v", err)
		return
	}
	namespaces := []string{m.Namespace}
	if len(m.Spec.NamespaceSelector.MatchNames) > 0 {
		namespaces = m.Spec.NamespaceSelector.MatchNames
	}
	var services []*corev1.Service
	for _, s := range ix.services {
		if (m.Spec.NamespaceSelector.Any || slices.Contains(namespaces, s.Namespace)) &&
			selector.Matches(labels.Set(s.Labels)) {
			services = append(services, s)
		}
	}
	if len(services) == 0 {
		o.fail("selector %s matches no Service", selector)
	}
	if len(m.Spec.Endpoints) == 0 {
		o.fail("no endpoints")
	}
	for i, e := range m.Spec.Endpoints {
		if e.Port == "" {
			continue
		}
		for _, s := range services {
			if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == e.Port }) {
				o.fail("endpoints[%d]: Service %s has no port named %q", i, s.Name, e.Port)
			}
		}
	}
}
