"""Two consent document templates, written for kclinic and marked `is_template`.

They are examples so that a new installation can record consents at once. A clinic replaces
each with the text its medical director and counsel approved by adding a new version (same
code, version 2) in the admin; signatures already given keep pointing at the version signed.
Every clinical statement carries its source in the document's "Sources" section (from
shared/clinical-reference.md).
"""

import datetime

from django.db import migrations

TEMPLATE_NOTICE = (
    "TEMPLATE SHIPPED WITH KCLINIC - REPLACE BEFORE USE. This text is an example written for "
    "the kclinic software. It is not legal advice and no clinic has approved it. Text in "
    "[square brackets] is for the clinic to complete. Add your approved text as a new version "
    "of this document in the admin before any patient signs."
)

IV_KETAMINE = f"""{TEMPLATE_NOTICE}

1. What I am agreeing to
I agree to a course of intravenous (IV) ketamine infusions for depression at [clinic name], \
as planned with my prescriber [prescriber name]. Ketamine is a medicine licensed as an \
anaesthetic. [Clinic: state the licensing status of IV ketamine for depression in your \
jurisdiction; in many countries it is used "off-label" for this purpose.] The plan I have \
discussed is: [number of infusions, how often, the dose per kg of body weight].

2. What happens at each treatment
- Before each infusion, staff check my blood pressure, pulse, breathing and oxygen level, \
ask about my mood and any thoughts of harming myself, and may ask me to fill in questionnaires.
- The infusion runs through a small tube in a vein, conventionally over about 40 minutes \
(source 1). Staff monitor me during the infusion and afterwards until they judge that I am \
ready to leave.
- An adult escort must take me home. I must not drive, cycle, operate machinery or make \
important decisions until the day after the treatment, after a night's sleep (source 2).
- I follow the clinic's instructions on eating and drinking before a treatment: [clinic rule].

3. Effects and risks I have been told about
- Common, during or soon after an infusion: feeling detached or unreal (dissociation), \
dizziness, headache, blurred vision, nausea or vomiting, sleepiness, anxiety, and a rise in \
blood pressure (source 3). These usually pass as the infusion ends; staff can slow or stop it.
- Blood pressure can rise markedly in some people; staff check it and act on it (source 4).
- With repeated use: bladder problems (ketamine cystitis, mostly reported in people who use \
ketamine frequently outside medical care) (source 5), liver effects (source 6), and effects \
on memory and thinking, whose long-term course with repeated treatment is not fully known \
(source 7).
- Ketamine is a controlled medicine that can be misused and can cause dependence (source 8).
- Depression can get worse and thoughts of suicide can occur during any treatment for \
depression. I will tell the team, or [crisis number], at once if this happens (source 9).
- Ketamine is not given during pregnancy or breastfeeding without a specific discussion \
(source 10). I will tell the team if I am, or may be, pregnant.
- Not everyone improves. Any improvement may not last, and further treatments may be needed.

4. What I will do
- Tell the team about every medicine I take (especially benzodiazepines, opioids, \
stimulants and MAOIs), about alcohol and drug use, and about any change in my health.
- Not drink alcohol or use cannabis or other drugs on treatment days.

5. Other choices
The alternatives I have discussed include other antidepressant medicines, psychotherapy, \
esketamine nasal spray, electroconvulsive therapy (ECT) and transcranial magnetic \
stimulation, or no new treatment.

6. My choice
My consent is voluntary. I may ask questions at any time. I may stop treatment and withdraw \
this consent at any time without it affecting the rest of my care; a withdrawal is recorded \
in my record.

Patient: name ____________ signature ____________ date ________
Witness (member of staff): name ____________ signature ____________ date ________

Sources
1. Andrade C. J Clin Psychiatry 2017;78(7):e852-e857, \
https://www.psychiatrist.com/JCP/article/Pages/2017/v78n07/17f11738.aspx
2. Spravato dosing and administration (driving after treatment), \
https://www.spravatohcp.com/trd/dosing-and-administration ; clinic discharge example, \
https://www.nervanamedical.com/s/ketaminedischarge
3. Short B et al. Lancet Psychiatry 2018;5(1):65-78 (side effects of ketamine in depression), \
summary https://moreblossom.com/papers/side-effects-associated-with-ketamine-use-in-depression-a-systematic-review
4. Spravato prescribing information 5.6, \
http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7
5. Anderson DJ et al. Health Psychol Res 2022, \
https://healthpsychologyresearch.openmedicalpublishing.org/article/38247-ketamine-induced-cystitis-a-comprehensive-review-of-the-urologic-effects-of-this-psychoactive-drug
6. Noppers IM et al. Pain 2011;152:2173-2178; Cotter S et al. Drug Saf 2021 \
(doi:10.1007/s40264-021-01120-9)
7. Spravato prescribing information 5.7, \
http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7 ; Kumpf KT et al. J Clin \
Psychiatry 2025 (doi:10.4088/JCP.25m15781)
8. Spravato prescribing information 5.3 (abuse and misuse; Schedule III), \
http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=5
9. Spravato prescribing information, boxed warning (suicidal thoughts and behaviours)
10. Spravato patient information (pregnancy), \
https://viewer.joomag.com/discovering-you-magazine-february-2024-issue/0630909001490834231/p19
"""

ESKETAMINE_REMS = f"""{TEMPLATE_NOTICE}

This acknowledgement records what the patient was told before enrolment. It does NOT replace \
the official SPRAVATO REMS Patient Enrollment Form: the treatment setting must enrol each \
patient in the REMS before the first treatment, on the programme's current form (source 1).

I understand that:
1. Esketamine nasal spray (Spravato) is available only through a restricted programme (the \
SPRAVATO REMS). It is given only in a certified healthcare setting, where I use the device \
myself under the direct observation of a healthcare provider. It is never dispensed for me to \
take home (source 1).
2. After each dose a healthcare provider monitors me for at least two hours and until \
sedation, dissociation and any change in breathing have resolved and the provider decides \
that I am clinically stable and safe to leave (sources 2 and 3).
3. I must not drive or operate machinery until the next day after a restful sleep, and I must \
arrange transport home after every treatment (source 4).
4. Common effects include dissociation, dizziness, nausea, sleepiness, a spinning sensation, \
headache and a rise in blood pressure (source 5). My blood pressure is checked before the \
dose and afterwards (source 6).
5. Esketamine is a controlled medicine that can be misused; the team assesses and monitors \
this (source 7).
6. Depression can get worse and thoughts of suicide can occur during treatment; I will tell \
the team, or [crisis number], at once if this happens (source 8).
7. My name, date of birth and information about each treatment session are sent to the \
SPRAVATO REMS programme, which the setting is required to do after every session (source 1).
8. My consent is voluntary and I may stop treatment at any time without it affecting the \
rest of my care.

Patient: name ____________ signature ____________ date ________
Witness (member of staff): name ____________ signature ____________ date ________

Sources
1. SPRAVATO REMS, outpatient healthcare settings, https://www.spravatorems.com/outpatient-hcs.html
2. FDA REMS page for SPRAVATO (REMS goal), \
https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails.page&REMS=386
3. Spravato prescribing information, boxed warning, and https://www.spravatohcp.com
4. Spravato dosing and administration, https://www.spravatohcp.com/trd/dosing-and-administration
5. Spravato safety (adverse reactions table), https://www.spravatohcp.com/safety
6. Spravato prescribing information 5.6, \
http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7
7. Spravato prescribing information 5.3, \
http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=5
8. Spravato prescribing information, boxed warning (suicidal thoughts and behaviours)
"""

DOCUMENTS = (
    (
        "iv-ketamine-treatment",
        "Consent to IV ketamine treatment for depression (TEMPLATE)",
        IV_KETAMINE,
    ),
    (
        "esketamine-rems-enrolment",
        "Esketamine (Spravato) REMS patient enrolment acknowledgement (TEMPLATE)",
        ESKETAMINE_REMS,
    ),
)
EFFECTIVE_FROM = datetime.date(2025, 1, 1)


def add_templates(apps, schema_editor):
    ConsentDocument = apps.get_model("screenings", "ConsentDocument")
    for code, title, body in DOCUMENTS:
        if not ConsentDocument.objects.filter(code=code, version=1).exists():
            ConsentDocument.objects.create(
                code=code,
                version=1,
                title=title,
                body=body,
                effective_from=EFFECTIVE_FROM,
                is_template=True,
            )


class Migration(migrations.Migration):
    dependencies = [("screenings", "0001_initial")]

    # Reversing leaves the documents: signed consents may point at them, nothing is deleted.
    operations = [migrations.RunPython(add_templates, migrations.RunPython.noop)]
