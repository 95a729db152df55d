"""Settings pages (admins only): /settings/…"""

from django.urls import path

from okno.web.views import (
    admin_categories,
    admin_fields,
    admin_groups,
    admin_index,
    admin_statuses,
    admin_tags,
    admin_users,
)

urlpatterns = [
    path("settings/", admin_index.settings_index, name="settings"),
    # users
    path("settings/users/", admin_users.user_list, name="settings_users"),
    path("settings/users/new/", admin_users.user_new, name="settings_user_new"),
    path("settings/users/<int:pk>/", admin_users.user_edit, name="settings_user"),
    path(
        "settings/users/<int:pk>/password/",
        admin_users.user_password,
        name="settings_user_password",
    ),
    path("settings/users/<int:pk>/active/", admin_users.user_active, name="settings_user_active"),
    # groups
    path("settings/groups/", admin_groups.group_list, name="settings_groups"),
    path("settings/groups/new/", admin_groups.group_new, name="settings_group_new"),
    path("settings/groups/<int:pk>/", admin_groups.group_edit, name="settings_group"),
    path(
        "settings/groups/<int:pk>/delete/",
        admin_groups.group_delete,
        name="settings_group_delete",
    ),
    # statuses
    path("settings/statuses/", admin_statuses.status_list, name="settings_statuses"),
    path("settings/statuses/new/", admin_statuses.status_new, name="settings_status_new"),
    path("settings/statuses/<int:pk>/", admin_statuses.status_edit, name="settings_status"),
    path(
        "settings/statuses/<int:pk>/default/",
        admin_statuses.status_default,
        name="settings_status_default",
    ),
    path(
        "settings/statuses/<int:pk>/active/",
        admin_statuses.status_active,
        name="settings_status_active",
    ),
    path(
        "settings/statuses/<int:pk>/move/",
        admin_statuses.status_move,
        name="settings_status_move",
    ),
    path(
        "settings/statuses/<int:pk>/delete/",
        admin_statuses.status_delete,
        name="settings_status_delete",
    ),
    # categories
    path("settings/categories/", admin_categories.category_list, name="settings_categories"),
    path(
        "settings/categories/new/",
        admin_categories.category_new,
        name="settings_category_new",
    ),
    path(
        "settings/categories/<int:pk>/",
        admin_categories.category_edit,
        name="settings_category",
    ),
    path(
        "settings/categories/<int:pk>/delete/",
        admin_categories.category_delete,
        name="settings_category_delete",
    ),
    # custom fields
    path("settings/fields/", admin_fields.field_list, name="settings_fields"),
    path("settings/fields/new/", admin_fields.field_new, name="settings_field_new"),
    path("settings/fields/<int:pk>/", admin_fields.field_edit, name="settings_field"),
    path(
        "settings/fields/<int:pk>/delete/",
        admin_fields.field_delete,
        name="settings_field_delete",
    ),
    # tags
    path("settings/tags/", admin_tags.tag_list, name="settings_tags"),
    path("settings/tags/<int:pk>/", admin_tags.tag_edit, name="settings_tag"),
    path("settings/tags/<int:pk>/merge/", admin_tags.tag_merge, name="settings_tag_merge"),
    path("settings/tags/<int:pk>/delete/", admin_tags.tag_delete, name="settings_tag_delete"),
]
