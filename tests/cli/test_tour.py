"""`kclinic tour` runs the whole tour through the installed console script."""

from kclinic.cli.tour import TOUR


def test_tour_runs_every_step(kclinic):
    run = kclinic("tour")
    assert run.code == 0, run.err
    assert run.out.count("kclinic ") >= len(TOUR)
    assert "SAFETY FLAG: suicidal_ideation" in run.out
    assert "band: severe (mueller-2003)" in run.out
    assert "band: high (rule triage=columbia)" in run.out
    assert "45.95" in run.out  # 0.5 mg/kg on the 120 kg man's adjusted weight of 91.91 kg
    assert "OVERRIDE-NEEDED" in run.out
