#!/usr/bin/env bash
# Write a terraform CLI config that installs providers only from a local filesystem mirror, and print
# the export line to use it. No path is hard-coded: the mirror is searched for (TF_PROVIDER_MIRROR
# first, then the usual places), by looking for a terraform-provider-aws* file under a
# registry.terraform.io/hashicorp/aws directory.
#
#   eval "$(scripts/terraform-offline.sh)"     # then: cd terraform && terraform init && terraform test
#   scripts/terraform-offline.sh /tmp/tfrc      # write the config there instead
set -euo pipefail

out="${1:-${TMPDIR:-/tmp}/singletable-terraformrc}"

find_mirror() {
  local root file dir
  for root in ${TF_PROVIDER_MIRROR:-} /opt /usr/local/share/terraform /usr/share/terraform \
      "$HOME/.terraform.d/plugins" "$HOME/.local/share/terraform/plugins"; do
    [ -d "$root" ] || continue
    file=$(find "$root" -maxdepth 8 -name 'terraform-provider-aws*' -path '*hashicorp/aws*' 2>/dev/null | head -n 1)
    [ -n "$file" ] || continue
    dir=$(dirname "$file")
    while [ "$dir" != "/" ] && [ "$(basename "$dir")" != "registry.terraform.io" ]; do
      dir=$(dirname "$dir")
    done
    if [ "$(basename "$dir")" = "registry.terraform.io" ]; then
      dirname "$dir"
      return 0
    fi
  done
  return 1
}

if ! mirror=$(find_mirror); then
  echo "no filesystem mirror of hashicorp/aws found; set TF_PROVIDER_MIRROR to its directory" >&2
  exit 1
fi

cat >"$out" <<CONFIG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
CONFIG
echo "export TF_CLI_CONFIG_FILE=$out"
