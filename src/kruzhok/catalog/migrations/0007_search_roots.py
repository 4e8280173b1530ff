# The search documents gain root tokens («рис~», common.search): rebuilt for every program.

from django.db import migrations


def rebuild(apps, schema_editor):
    from kruzhok.common.search import search_document

    Program = apps.get_model("catalog", "Program")
    directions = {  # catalog.models.Direction's labels as of this migration
        "tekhnicheskoe": "Техническая",
        "hudozhestvennoe": "Художественная",
        "estestvennonauchnoe": "Естественнонаучная",
        "socialno-pedagogicheskoe": "Социально-гуманитарная",
        "turistsko-kraevedcheskoe": "Туристско-краеведческая",
        "fizkulturno-sportivnoe": "Физкультурно-спортивная",
    }
    programs = list(Program.objects.select_related("provider"))
    for program in programs:
        program.search_document = search_document(
            program.title,
            program.description,
            program.provider.short_name,
            directions.get(program.direction, ""),
        )
        program.title_document = search_document(program.title)
    Program.objects.bulk_update(programs, ["search_document", "title_document"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_catalogue_indexes")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
