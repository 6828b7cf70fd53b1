import subprocess
import sys


def test_registry_lookup_loads_no_torch():
    code = ("import sys; from spacevista.perception import SPECIALISTS; names = SPECIALISTS.names(); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'heavy import'; "
            "print(','.join(names))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ("depth-anything-metric,depth-anything-relative,depth-pro,grounding-dino,"
                                  "owlv2,sam2-video,synthetic")
