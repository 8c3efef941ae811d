"""The emulator's data plane: real Envoy proxies and Bookinfo-like backends on loopback, driven by
the state the collection created (issue 11). It shows Envoy's behaviour for this project's
translation of the Istio configuration, not ASM's own control plane."""
