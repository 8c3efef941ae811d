"""Kubernetes API servers of the emulator: one per ACK cluster and one per ASM mesh (https, client
certificates), with discovery, CRUD, patches, server-side apply, watch, CRDs and small controllers."""
