### Borrador de traducción automática: cada mensaje está marcado # unreviewed hasta que alguien de la planta lo revise; después, # reviewed: nombre fecha.
### Las palabras de la estación, definidas una vez por idioma. Cada mensaje usa estos términos
### ({ -slot }, { -pass }…) en lugar de escribir la palabra, para que un revisor corrija un
### término aquí y todas las pantallas lo sigan. El inglés es el idioma de origen.
### Género: ranura, placa, unidad, estación, fixtura y orden de trabajo son femeninos
### (la, una, esta…); número de serie, producto, técnico y supervisor son masculinos (el, un…).
### Si cambia un término por otro de otro género, revise los artículos en los mensajes.

## Las cosas de la línea

# Un lugar en la cama de clavos de la fixtura que sostiene una placa.
# unreviewed
-slot = { $form ->
   *[lower] ranura
    [title] Ranura
    [plural] ranuras
}
# El dispositivo bajo prueba: una tarjeta de circuito en una ranura.
# unreviewed
-board = { $form ->
   *[lower] placa
    [title] Placa
    [plural] placas
}
# El aprovisionamiento de una placa, registrado con su resultado.
# unreviewed
-unit = { $form ->
   *[lower] unidad
    [title] Unidad
    [plural] unidades
}
# El número impreso en la etiqueta de la placa y guardado en ella.
# unreviewed
-serial = { $form ->
   *[lower] número de serie
    [title] Número de serie
}
# La cama de clavos y sus cables, que sostiene las placas.
# unreviewed
-fixture = { $form ->
   *[lower] fixtura
    [title] Fixtura
}
# Esta PC y su programa.
# unreviewed
-station = { $form ->
   *[lower] estación
    [title] Estación
    [plural] estaciones
}
# La línea de producción: varias estaciones que comparten una base de datos de la línea (femenino: la línea).
# unreviewed
-line = { $form ->
   *[lower] línea
    [title] Línea
}
# La orden para la que se fabrican las placas.
# unreviewed
-work-order = { $form ->
   *[lower] orden de trabajo
    [title] Orden de trabajo
    [plural] órdenes de trabajo
}
# unreviewed
-product = { $form ->
   *[lower] producto
    [title] Producto
}
# Device Provisioning Service de Azure: un nombre, se deja igual en todos los idiomas.
# unreviewed
-dps = DPS
# El registro que DPS guarda de un dispositivo para que pueda registrarse (femenino: la inscripción).
# unreviewed
-enrollment = { $form ->
   *[lower] inscripción
    [title] Inscripción
    [plural] inscripciones
    [plural-title] Inscripciones
}

## Personas

# Una persona que inicia sesión en la estación con gafete y PIN: técnico, supervisor o admin; no el operador de los dispositivos, el cliente (masculino: el operador).
# unreviewed
-operator = { $form ->
   *[lower] operador
    [title] Operador
    [plural] operadores
    [plural-title] Operadores
}
# unreviewed
-technician = { $form ->
   *[lower] técnico
    [title] Técnico
}
# unreviewed
-supervisor = { $form ->
   *[lower] supervisor
    [title] Supervisor
    [plural] supervisores
}
# El rol que administra a los operadores (masculino: el admin).
# unreviewed
-admin = { $form ->
   *[lower] admin
    [title] Admin
}

## El resultado de una placa, como lo muestra su recuadro (corto y en mayúsculas; máximo 11
## caracteres; en femenino: concuerda con ranura, placa y unidad)

# unreviewed
-pass = PASA
# unreviewed
-fail = FALLA
# Sin decidir: la placa se debe procesar de nuevo, nunca desechar.
# unreviewed
-open = PENDIENTE
# unreviewed
-empty = VACÍA
# Ya aprovisionada por esta estación: sáquela.
# unreviewed
-done = HECHA
# unreviewed
-ready = LISTA
# unreviewed
-wait = ESPERA
# unreviewed
-running = EN CURSO
# unreviewed
-interrupted = DETENIDA
# unreviewed
-reworked = RETRABAJADA
