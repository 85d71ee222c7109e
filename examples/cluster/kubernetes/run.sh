#!/usr/bin/env bash
# Runs the sharded sweep on the current kubectl context: storage, the Indexed Job of shards, then (only when every
# index completed) the merge Job. Kubernetes Jobs have no dependencies of their own, hence the wait in between.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kubectl apply -f "$here/pvc.yaml"
kubectl apply -f "$here/sweep-job.yaml"
kubectl wait --for=condition=complete --timeout=24h job/modelgen-sweep
kubectl apply -f "$here/merge-job.yaml"
kubectl wait --for=condition=complete --timeout=1h job/modelgen-merge
kubectl logs job/modelgen-merge
