from django.urls import path

from kclinic.web.inventory import views, views_counts, views_reports, views_session

app_name = "inventory"
INV = "inventory/"
SESSION = "patients/<uuid:patient_id>/sessions/<uuid:session_id>/"
urlpatterns = [
    path(INV, views.safe, name="safe"),
    path(INV + "receive/", views.receive_stock, name="receive"),
    path(INV + "transfer/", views.transfer_stock, name="transfer"),
    path(INV + "entries/<uuid:entry_id>/", views.entry_detail, name="entry"),
    path(INV + "entries/<uuid:entry_id>/reverse/", views.reverse_entry, name="reverse"),
    path(INV + "verify/", views.verify, name="verify"),
    path(INV + "counts/", views_counts.counts, name="counts"),
    path(INV + "counts/<uuid:count_id>/", views_counts.count_detail, name="count_detail"),
    path(INV + "locations/<uuid:location_id>/count/", views_counts.count_location, name="count"),
    path(INV + "discrepancies/", views_counts.discrepancies, name="discrepancies"),
    path(
        INV + "discrepancies/<uuid:discrepancy_id>/",
        views_counts.discrepancy,
        name="discrepancy",
    ),
    path(INV + "destroy/", views_reports.destroy_stock, name="destroy"),
    path(INV + "loss/", views_reports.report_lost, name="loss"),
    path(INV + "reports/", views_reports.reports, name="reports"),
    path(INV + "reports/lots/<uuid:lot_id>/", views_reports.perpetual, name="perpetual"),
    path(INV + "reports/inventories/<uuid:count_id>/", views_reports.inventory, name="inventory"),
    path(INV + "reports/form-41/", views_reports.form41, name="form41"),
    path(INV + "reports/form-106/", views_reports.form106, name="form106"),
    path(INV + "reports/ledger/", views_reports.ledger, name="ledger"),
    path(SESSION + "drug/", views_session.session_drug_page, name="session_drug"),
    path("patients/<uuid:patient_id>/drug-log/", views_session.patient_log, name="patient_log"),
]
