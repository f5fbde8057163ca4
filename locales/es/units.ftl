### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### La pantalla Unidades: la lista de las unidades más recientes con su búsqueda y su filtro de
### estado, y una unidad en detalle (su identidad, sus pasos con sus duraciones y, para un
### supervisor, su bitácora).

## La lista de unidades

# El encabezado de la pantalla: cada placa que la estación ha aprovisionado, la más reciente primero.
# (Escrito tal cual: el término -unit del glosario no tiene forma plural con mayúscula.)
# unreviewed
units-title = Unidades
# La etiqueta del campo de búsqueda arriba de la lista.
# unreviewed
units-search = Buscar una { -board } ({ -serial }, ID de registro u { -work-order })
# La etiqueta de la lista desplegable que muestra solo las unidades con un estado.
# unreviewed
units-filter-status = Estado
# La primera opción de la lista de estados: mostrar unidades de cualquier estado.
# unreviewed
units-filter-any = cualquiera
# Una opción de la lista de estados: $word es el estado como lo muestra el recuadro (PASA,
# PENDIENTE…), $meaning dice qué significa ("aprovisionada y registrada").
# unreviewed
units-filter-option = { $word }: { $meaning }

## Las columnas de la lista

# unreviewed
units-col-unit = { -unit(form: "title") }
# unreviewed
units-col-slot = { -slot(form: "title") }
# unreviewed
units-col-serial = { -serial(form: "title") }
# unreviewed
units-col-status = Estado
# El nombre con el que la placa está registrada en el servicio en la nube (DPS).
# unreviewed
units-col-registration-id = ID de registro
# unreviewed
units-col-work-order = { -work-order(form: "title") }
# Cuándo se terminó la unidad (fecha y hora).
# unreviewed
units-col-finished = Terminada
# Por qué falló la unidad, según lo registró la estación.
# unreviewed
units-col-failure = Falla

## Una unidad en detalle

# El número de una unidad como enlace o en un encabezado: "#17". $unit es el número de la unidad.
# unreviewed
unit-number = #{ $unit }
# Se muestra mientras se leen los detalles de la unidad.
# unreviewed
unit-loading = Cargando la { -unit } { $unit }…
# El botón para volver a la lista de unidades.
# unreviewed
unit-back = ← Todas las { -unit(form: "plural") }
# El encabezado: "Unidad #17 · ranura 4 ·", seguido en pantalla por la palabra de estado de la
# unidad (PASA, PENDIENTE…).
# unreviewed
unit-heading = { -unit(form: "title") } #{ $unit } · { -slot } { $slot } ·
# Se muestra para una unidad cuyo resultado nunca se registró (su palabra de estado es PENDIENTE).
# unreviewed
unit-open-note = La { -station } estaba bloqueando esta { -board } cuando perdió su rastro, así que su resultado aún no está registrado. Vuelva a poner la { -board } en cualquier { -slot } y procésela: la { -station } la vuelve a leer y registra { -pass } o { -fail } sin aprovisionarla de nuevo.
# $step es el nombre del paso que falló, como lo muestra el recuadro de la pantalla Ejecución
# ("Bloqueando la placa"); $message es el motivo que da la estación.
# unreviewed
unit-failed-at = Falló en el paso “{ $step }”:

## La identidad de la unidad

# unreviewed
unit-identity = Identidad
# unreviewed
unit-serial = { -serial(form: "title") }
# unreviewed
unit-product = { -product(form: "title") }
# Cómo prueba la placa quién es: clave simétrica, certificado X.509 o TPM.
# unreviewed
unit-attestation = Atestación
# El nombre con el que la placa está registrada en el servicio en la nube (DPS).
# unreviewed
unit-registration-id = ID de registro
# La huella digital del certificado de la placa; SHA-256 es el nombre del método, se deja igual.
# unreviewed
unit-certificate-thumbprint = Huella digital del certificado (SHA-256)
# El número de serie propio del certificado (no el número de serie de la etiqueta de la placa).
# unreviewed
unit-certificate-serial = Número de serie del certificado
# El número de serie del certificado, si todavía es válido y hasta cuándo:
# "4F2A… (emitido, hasta 2027-12-03 14:05:09)". "anulado": el certificado se retiró.
# unreviewed
unit-certificate-serial-value = { $serial } ({ $status ->
    [issued] emitido
    [void] anulado
   *[other] { $status }
}, hasta { $until })
# Un hash de la clave de aprobación (EK) del chip TPM: mantenga "EK", el nombre de la clave.
# unreviewed
unit-ek-hash = Hash de EK
# La inscripción de la placa: su registro en el servicio en la nube (DPS) que le permite conectarse.
# unreviewed
unit-enrollment = { -enrollment(form: "title") }
# En qué estado está la inscripción y cuántas veces intentó subirla la estación.
# unreviewed
unit-enrollment-value = { $status ->
    [queued] en espera de subirse a { -dps }
    [uploaded] subida a { -dps }
    [conflict] { -dps } ya tiene otra { -enrollment }: vea la pantalla Cola
    [superseded] reemplazada por una { -unit } posterior
    [disable_queued] en espera de deshabilitarse en { -dps }
    [disabled] deshabilitada en { -dps }
   *[other] { $status }
} ({ $attempts ->
    [one] { $attempts } intento
   *[other] { $attempts } intentos
})
# La unidad no tiene inscripción (todavía).
# unreviewed
unit-enrollment-none = ninguna
# Quién ejecutó la unidad y la orden de trabajo para la que se hizo.
# unreviewed
unit-operator-work-order = { -operator(form: "title") } · { -work-order }
# $operator es el ID de gafete de quien ejecutó la unidad, $workOrder la orden de trabajo.
# unreviewed
unit-operator-work-order-value = { $operator } · { $workOrder }

## Los pasos de la unidad

# El encabezado de la lista de pasos, con el tiempo que tomaron en total.
# unreviewed
unit-steps = Pasos ({ NUMBER($ms, maximumFractionDigits: 0) } ms)
# El resultado de un paso. (Escrito tal cual: el resultado de un paso no tiene término en el glosario.)
# unreviewed
unit-step-ok = ok
# unreviewed
unit-step-failed = FALLÓ
# Cuánto tardó un paso, en milisegundos.
# unreviewed
unit-step-duration = { NUMBER($ms, minimumFractionDigits: 1, maximumFractionDigits: 1) } ms

## La bitácora de la unidad (se muestra a un supervisor)

# unreviewed
unit-log = Bitácora
